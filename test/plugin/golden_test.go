package plugin_test

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"text/tabwriter"
)

// golden compares out with testdata/name.golden after normalise; -update rewrites the file.
func golden(t *testing.T, name, out string) {
	t.Helper()
	got := trimLineEnds(normalise(out))
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading %s (go test ./test/plugin -run %s -update creates it): %v", path, t.Name(), err)
	}
	if got != string(want) {
		t.Errorf("%s differs (-update rewrites it)\n--- got:\n%s--- want:\n%s", path, got, want)
	}
}

// timedSource writes Events the test does not control: kube-controller-manager's node lifecycle
// controller announces a node it first sees (RegisteredNode), but not one deleted and re-created
// between two of its passes, as the test's reset does. Its rows are dropped.
const timedSource = "node-controller"

// ageColumns are the table columns that hold a time relative to now.
var ageColumns = map[string]bool{"AGE": true, "Age": true, "Last Transition": true}

var (
	// relativeTime matches what HumanDuration prints ("5s", "3m20s", "2d4h") followed by " ago"
	// or after "pending " (why-pending's header line).
	relativeTime = regexp.MustCompile(`\b\d+[smhdy](\d+[smh])?( ago\b)`)
	pendingFor   = regexp.MustCompile(`\(pending \d+[smhdy](\d+[smh])?\)`)
	// timestamp matches the RFC 3339 times describe prints.
	timestamp  = regexp.MustCompile(`\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\b`)
	columnName = regexp.MustCompile(`\S+( \S+)*`)
	dashes     = regexp.MustCompile(`^-+$`)
)

// prose normalises a line that is not in a table with an age column.
func prose(line string) string {
	line = relativeTime.ReplaceAllString(line, "<age>$2")
	line = pendingFor.ReplaceAllString(line, "(pending <age>)")
	return timestamp.ReplaceAllString(line, "<time>")
}

// normalise makes the output independent of when the test ran: the cells of the age columns
// of each table become <age> (and the table is realigned, since their width varied), and
// "5s ago" elsewhere becomes "<age> ago".
func normalise(out string) string {
	lines := strings.Split(out, "\n")
	var b strings.Builder
	for i := 0; i < len(lines); {
		next := ""
		if i+1 < len(lines) {
			next = lines[i+1]
		}
		starts, ages := header(lines[i], next)
		if len(ages) == 0 {
			b.WriteString(prose(lines[i]))
			if i < len(lines)-1 {
				b.WriteString("\n")
			}
			i++
			continue
		}
		indent := starts[0]
		var rows [][]string
		for ; i < len(lines) && fits(lines[i], starts); i++ {
			row := cells(prose(lines[i]), starts)
			if slices.Contains(row, timedSource) {
				continue
			}
			rows = append(rows, row)
		}
		for r := 1; r < len(rows); r++ {
			for _, c := range ages {
				if !dashes.MatchString(rows[r][c]) {
					rows[r][c] = "<age>"
				}
			}
		}
		var tb bytes.Buffer
		w := tabwriter.NewWriter(&tb, 0, 8, 3, ' ', 0)
		for _, row := range rows {
			_, _ = w.Write([]byte(strings.Repeat(" ", indent) + strings.Join(row, "\t") + "\n"))
		}
		_ = w.Flush()
		b.WriteString(trimLineEnds(tb.String()))
	}
	return b.String()
}

// header recognises the header of a table with at least one age column, and returns where each
// column starts and which are ages. kubectl's tables have upper-case headers; describe's have
// a line of dashes under theirs.
func header(line, next string) (starts, ages []int) {
	trimmed := strings.TrimLeft(line, " ")
	underlined := strings.HasPrefix(strings.TrimLeft(next, " "), "--")
	if trimmed == "" || (strings.ToUpper(trimmed) != trimmed && !underlined) {
		return nil, nil
	}
	indent := len(line) - len(trimmed)
	names := columnName.FindAllStringIndex(trimmed, -1)
	for i, n := range names {
		starts = append(starts, indent+n[0])
		if ageColumns[trimmed[n[0]:n[1]]] {
			ages = append(ages, i)
		}
	}
	if len(ages) == 0 {
		return nil, nil
	}
	return starts, ages
}

// fits reports whether line is a row of the table: indented like its header, and blank just
// before every column start, where the table printer pads. A line of prose (the Total line of
// top, the next section of describe) crosses a column boundary.
func fits(line string, starts []int) bool {
	indent := starts[0]
	if len(line) <= indent || strings.TrimSpace(line[:indent]) != "" || line[indent] == ' ' {
		return false
	}
	for _, s := range starts[1:] {
		if s > len(line) {
			break
		}
		if line[s-1] != ' ' {
			return false
		}
	}
	return true
}

// cells cuts a table line at the column starts.
func cells(line string, starts []int) []string {
	out := make([]string, len(starts))
	for i, s := range starts {
		if s >= len(line) {
			continue
		}
		end := len(line)
		if i+1 < len(starts) && starts[i+1] < end {
			end = starts[i+1]
		}
		out[i] = strings.TrimSpace(line[s:end])
	}
	return out
}

func trimLineEnds(s string) string {
	lines := strings.Split(s, "\n")
	for i := range lines {
		lines[i] = strings.TrimRight(lines[i], " ")
	}
	return strings.Join(lines, "\n")
}
