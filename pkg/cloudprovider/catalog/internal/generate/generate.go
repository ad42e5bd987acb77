// Package generate turns the EC2 instance-type CSV into the catalog's Go source. It lives apart
// from the gen command so the catalog's tests can regenerate and compare without shelling out to
// the go tool.
package generate

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// Run regenerates out from the CSV at in. A missing CSV is not an error: clones without the
// shared data directory must still be able to run go generate, and they keep the committed file.
func Run(in, out string, stderr io.Writer) error {
	f, err := os.Open(in)
	if errors.Is(err, fs.ErrNotExist) {
		// The note is advisory: failing to print it must not fail go generate.
		_, _ = fmt.Fprintf(stderr, "gen: %s not found, keeping %s as committed\n", in, out)
		return nil
	}
	if err != nil {
		return fmt.Errorf("opening instance-type CSV: %w", err)
	}
	defer func() { _ = f.Close() }() // read-only: a close error cannot lose data
	src, err := Source(f)
	if err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	if err := os.WriteFile(out, src, 0o644); err != nil {
		return fmt.Errorf("writing generated catalog: %w", err)
	}
	return nil
}

// Source returns the gofmt-formatted Go file for the CSV read from r.
func Source(r io.Reader) ([]byte, error) {
	facts, prices, err := parse(r)
	if err != nil {
		return nil, err
	}
	return render(facts, prices)
}
