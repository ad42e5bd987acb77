// Package describe renders `kubectl karpenter describe` output: labelled fields in the style of
// `kubectl describe`, nested by indentation, with tables for conditions, NodeClaims, pods and
// Events. It is pure: callers fetch the objects.
package describe

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
)

// writer aligns "Label:  value" lines with a tabwriter, as kubectl describe does.
type writer struct {
	tw  *tabwriter.Writer
	err error
}

func newWriter(out io.Writer) *writer {
	return &writer{tw: tabwriter.NewWriter(out, 0, 8, 2, ' ', 0)}
}

// line writes one line at the indentation level; fields are separated by tabs.
func (w *writer) line(level int, format string, args ...interface{}) {
	if w.err != nil {
		return
	}
	_, w.err = fmt.Fprintf(w.tw, strings.Repeat("  ", level)+format+"\n", args...)
}

func (w *writer) flush() error {
	if w.err != nil {
		return fmt.Errorf("writing the description: %w", w.err)
	}
	if err := w.tw.Flush(); err != nil {
		return fmt.Errorf("writing the description: %w", err)
	}
	return nil
}

// stringMap writes a map as kubectl describe writes labels: the first pair on the label's line,
// the others below it, sorted; <none> when empty.
func (w *writer) stringMap(level int, label string, m map[string]string) {
	if len(m) == 0 {
		w.line(level, "%s:\t<none>", label)
		return
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for i, k := range keys {
		if i == 0 {
			w.line(level, "%s:\t%s=%s", label, k, m[k])
			continue
		}
		w.line(level, "\t%s=%s", k, m[k])
	}
}

// list writes values one per line after the label, <none> when empty.
func (w *writer) list(level int, label string, values []string) {
	if len(values) == 0 {
		w.line(level, "%s:\t<none>", label)
		return
	}
	for i, v := range values {
		if i == 0 {
			w.line(level, "%s:\t%s", label, v)
			continue
		}
		w.line(level, "\t%s", v)
	}
}

func orNone(s string) string {
	if s == "" {
		return "<none>"
	}
	return s
}
