package tui

import (
	"math"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// Column is a table column; Max caps its width (0: no cap) and Flex columns give up width first
// when the terminal is narrow.
type Column struct {
	Title string
	Max   int
	Flex  bool
	Right bool
	// Optional columns are hidden, rightmost first, when the terminal is too narrow, as
	// kubectl leaves out its wide columns.
	Optional bool
}

// Row is one table row. Num holds a number per column to sort by; NaN sorts the column by text.
type Row struct {
	ID    string
	Cells []string
	Num   []float64
	// Tone colours the row by the state of what it shows.
	Tone tone
	// search is the lowercased text the filter matches, computed once per SetRows.
	search string
}

// Matcher decides whether a row passes the filter query.
type Matcher func(r *Row, query string) bool

// Table is a list of rows that renders only the rows on screen, so that its cost per frame does
// not grow with the data. Filtering and sorting happen when the rows or the query change, not
// per frame.
type Table struct {
	cols    []Column
	rows    []Row
	view    []int // indices of the filtered, sorted rows
	widths  []int
	hidden  []bool
	natural []int
	cursor  int
	offset  int
	selCol  int
	sortCol int
	desc    bool
	filter  string
	match   Matcher
	width   int
	height  int
	keys    tableKeys
	styles  *Styles
	empty   string
}

// NewTable returns a table sorted by its first column.
func NewTable(cols []Column, st *Styles, empty string) *Table {
	t := &Table{cols: cols, sortCol: 0, keys: newTableKeys(), styles: st, match: defaultMatch, empty: empty}
	t.layout()
	return t
}

func defaultMatch(r *Row, q string) bool { return strings.Contains(r.search, strings.ToLower(q)) }

// SetMatcher replaces the filter's matching.
func (t *Table) SetMatcher(m Matcher) { t.match = m }

// SetSize sets the area of the table, its header included.
func (t *Table) SetSize(w, h int) {
	t.width, t.height = w, h
	t.layout()
	t.clamp()
}

// SetRows replaces the rows, keeping the selection on the same row ID when it is still there.
func (t *Table) SetRows(rows []Row) {
	selected := ""
	if r, ok := t.Selected(); ok {
		selected = r.ID
	}
	t.rows = rows
	t.natural = make([]int, len(t.cols))
	for i, c := range t.cols {
		t.natural[i] = utf8.RuneCountInString(c.Title) + 1
	}
	for i := range t.rows {
		r := &t.rows[i]
		r.search = strings.ToLower(strings.Join(r.Cells, " "))
		for c, cell := range r.Cells {
			if c < len(t.natural) {
				if n := utf8.RuneCountInString(cell); n > t.natural[c] {
					t.natural[c] = n
				}
			}
		}
	}
	t.refresh()
	if selected != "" {
		t.SelectID(selected)
	}
	t.layout()
}

// SelectID moves the cursor to the row with the ID, if shown.
func (t *Table) SelectID(id string) bool {
	for i, idx := range t.view {
		if t.rows[idx].ID == id {
			t.cursor = i
			t.clamp()
			return true
		}
	}
	return false
}

// SetFilter filters the rows; "" shows all.
func (t *Table) SetFilter(q string) {
	t.filter = q
	t.refresh()
	t.cursor, t.offset = 0, 0
}

// Filter is the current query.
func (t *Table) Filter() string { return t.filter }

// Len is the number of rows shown after filtering.
func (t *Table) Len() int { return len(t.view) }

// Selected returns the row under the cursor.
func (t *Table) Selected() (*Row, bool) {
	if t.cursor < 0 || t.cursor >= len(t.view) {
		return nil, false
	}
	return &t.rows[t.view[t.cursor]], true
}

// SortBy sorts by a column; sorting again by the same column reverses the order.
func (t *Table) SortBy(col int) {
	if col == t.sortCol {
		t.desc = !t.desc
	} else {
		t.sortCol, t.desc = col, false
	}
	t.refresh()
}

// SortState is the sorted column and direction.
func (t *Table) SortState() (int, bool) { return t.sortCol, t.desc }

func (t *Table) refresh() {
	t.view = t.view[:0]
	for i := range t.rows {
		if t.filter == "" || t.match(&t.rows[i], t.filter) {
			t.view = append(t.view, i)
		}
	}
	col, desc := t.sortCol, t.desc
	sort.SliceStable(t.view, func(a, b int) bool {
		ra, rb := &t.rows[t.view[a]], &t.rows[t.view[b]]
		less, equal := compare(ra, rb, col)
		if equal {
			return ra.ID < rb.ID
		}
		return less != desc
	})
	t.clamp()
}

func compare(a, b *Row, col int) (less, equal bool) {
	if col < len(a.Num) && col < len(b.Num) && !math.IsNaN(a.Num[col]) && !math.IsNaN(b.Num[col]) {
		return a.Num[col] < b.Num[col], a.Num[col] == b.Num[col]
	}
	var ca, cb string
	if col < len(a.Cells) {
		ca = a.Cells[col]
	}
	if col < len(b.Cells) {
		cb = b.Cells[col]
	}
	return ca < cb, ca == cb
}

// Update moves the cursor, the selected column and sorts.
func (t *Table) Update(msg tea.Msg) tea.Cmd {
	k, ok := msg.(tea.KeyMsg)
	if !ok {
		return nil
	}
	page := t.bodyHeight()
	switch {
	case key.Matches(k, t.keys.Up):
		t.cursor--
	case key.Matches(k, t.keys.Down):
		t.cursor++
	case key.Matches(k, t.keys.PageUp):
		t.cursor -= page
	case key.Matches(k, t.keys.PageDown):
		t.cursor += page
	case key.Matches(k, t.keys.Top):
		t.cursor = 0
	case key.Matches(k, t.keys.Bottom):
		t.cursor = len(t.view) - 1
	case key.Matches(k, t.keys.Left):
		t.moveColumn(-1)
	case key.Matches(k, t.keys.Right):
		t.moveColumn(1)
	case key.Matches(k, t.keys.Sort):
		t.SortBy(t.selCol)
	}
	t.clamp()
	return nil
}

// moveColumn selects the next shown column in the direction, wrapping around.
func (t *Table) moveColumn(dir int) {
	n := len(t.cols)
	for i := 0; i < n; i++ {
		t.selCol = (t.selCol + dir + n) % n
		if !t.hidden[t.selCol] {
			return
		}
	}
}

func (t *Table) bodyHeight() int {
	if t.height <= 1 {
		return 1
	}
	return t.height - 1
}

func (t *Table) clamp() {
	if t.cursor >= len(t.view) {
		t.cursor = len(t.view) - 1
	}
	if t.cursor < 0 {
		t.cursor = 0
	}
	h := t.bodyHeight()
	if t.cursor < t.offset {
		t.offset = t.cursor
	}
	if t.cursor >= t.offset+h {
		t.offset = t.cursor - h + 1
	}
	if t.offset < 0 {
		t.offset = 0
	}
}

// layout fits the natural widths into the terminal: flex columns shrink first, then all.
func (t *Table) layout() {
	n := len(t.cols)
	t.widths = make([]int, n)
	t.hidden = make([]bool, n)
	total := 1 // the selection marker, less the last separator
	for i, c := range t.cols {
		w := 1
		if i < len(t.natural) {
			w = t.natural[i]
		}
		if c.Max > 0 && w > c.Max {
			w = c.Max
		}
		t.widths[i] = w
		total += w + 1
	}
	if t.width <= 0 {
		return
	}
	// Optional columns go before any other loses width: a truncated name is worse than a
	// missing zone.
	over := total - t.width
	for i := n - 1; i >= 0 && over > 0; i-- {
		if t.cols[i].Optional {
			t.hidden[i] = true
			over -= t.widths[i] + 1
		}
	}
	t.shrink(&over, true)
	t.shrink(&over, false)
}

// shrink takes width from the flex columns only, or from any, rightmost first.
func (t *Table) shrink(over *int, flexOnly bool) {
	for i := len(t.cols) - 1; i >= 0 && *over > 0; i-- {
		if t.hidden[i] || (flexOnly && !t.cols[i].Flex) {
			continue
		}
		{
			min := utf8.RuneCountInString(t.cols[i].Title)
			if min < 4 {
				min = 4
			}
			if give := t.widths[i] - min; give > 0 {
				if give > *over {
					give = *over
				}
				t.widths[i] -= give
				*over -= give
			}
		}
	}
}

// View renders the header and the visible rows.
func (t *Table) View() string {
	var b strings.Builder
	b.WriteString("  ")
	first := true
	for i, c := range t.cols {
		if t.hidden[i] {
			continue
		}
		if !first {
			b.WriteByte(' ')
		}
		first = false
		title := c.Title
		if i == t.sortCol {
			if t.desc {
				title += "↓"
			} else {
				title += "↑"
			}
		}
		cell := pad(title, t.widths[i], c.Right)
		if i == t.selCol {
			b.WriteString(t.styles.SelectedColumn.Render(cell))
		} else {
			b.WriteString(t.styles.TableHead.Render(cell))
		}
	}
	if len(t.view) == 0 {
		b.WriteString("\n  " + t.styles.Dim.Render(t.empty))
		return b.String()
	}
	end := t.offset + t.bodyHeight()
	if end > len(t.view) {
		end = len(t.view)
	}
	var line strings.Builder
	for i := t.offset; i < end; i++ {
		r := &t.rows[t.view[i]]
		line.Reset()
		for c := range t.cols {
			if t.hidden[c] {
				continue
			}
			if line.Len() > 0 {
				line.WriteByte(' ')
			}
			cell := ""
			if c < len(r.Cells) {
				cell = r.Cells[c]
			}
			line.WriteString(pad(cell, t.widths[c], t.cols[c].Right))
		}
		b.WriteByte('\n')
		if i == t.cursor {
			b.WriteString(t.styles.SelectedRow(r.Tone).Render("> " + line.String()))
		} else if st := t.styles.Row(r.Tone); st != nil {
			b.WriteString(st.Render("  " + line.String()))
		} else {
			b.WriteString("  " + line.String())
		}
	}
	return b.String()
}

// pad truncates with an ellipsis or pads to exactly w runes.
func pad(s string, w int, right bool) string {
	n := utf8.RuneCountInString(s)
	if n > w {
		if w <= 1 {
			return string([]rune(s)[:w])
		}
		return string([]rune(s)[:w-1]) + "…"
	}
	fill := strings.Repeat(" ", w-n)
	if right {
		return fill + s
	}
	return s + fill
}

// KeyBindings are the table's keys for the help view.
func (t *Table) KeyBindings() []key.Binding { return t.keys.bindings() }
