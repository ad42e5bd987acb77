package emptiness

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// cronSchedule is a parsed standard five-field cron expression (minute hour day-of-month month
// day-of-week), in UTC, as a budget's schedule is. It follows robfig/cron's standard parser, which
// upstream Karpenter uses, so a schedule means the same here as there; the module does not depend
// on robfig/cron, and the subset budgets need is small.
type cronSchedule struct {
	minute, hour, dom, month, dow uint64
	// domStar and dowStar record a field written as * or ?: as in cron, a day matches when both
	// day fields match if either is a star, and when either matches otherwise.
	domStar, dowStar bool
}

var cronAliases = map[string]string{
	"@yearly":   "0 0 1 1 *",
	"@annually": "0 0 1 1 *",
	"@monthly":  "0 0 1 * *",
	"@weekly":   "0 0 * * 0",
	"@daily":    "0 0 * * *",
	"@midnight": "0 0 * * *",
	"@hourly":   "0 * * * *",
}

type cronField struct {
	name     string
	min, max int
	names    map[string]int
}

var (
	monthNames = map[string]int{"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
		"jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12}
	dowNames = map[string]int{"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}

	cronFields = [5]cronField{
		{name: "minute", min: 0, max: 59},
		{name: "hour", min: 0, max: 23},
		{name: "day of month", min: 1, max: 31},
		{name: "month", min: 1, max: 12, names: monthNames},
		// 7 is accepted as Sunday, as most crons do.
		{name: "day of week", min: 0, max: 7, names: dowNames},
	}
)

// parseCron parses a five-field expression or one of the @ aliases.
func parseCron(expr string) (*cronSchedule, error) {
	spec := strings.TrimSpace(expr)
	if alias, ok := cronAliases[strings.ToLower(spec)]; ok {
		spec = alias
	}
	fields := strings.Fields(spec)
	if len(fields) != 5 {
		return nil, fmt.Errorf("schedule %q: want 5 fields (minute hour day-of-month month day-of-week) or an @ alias, got %d", expr, len(fields))
	}
	var bits [5]uint64
	for i, f := range fields {
		b, err := cronFields[i].parse(f)
		if err != nil {
			return nil, fmt.Errorf("schedule %q: %w", expr, err)
		}
		bits[i] = b
	}
	// Fold 7 into Sunday.
	if bits[4]&(1<<7) != 0 {
		bits[4] = bits[4]&^(1<<7) | 1
	}
	return &cronSchedule{
		minute: bits[0], hour: bits[1], dom: bits[2], month: bits[3], dow: bits[4],
		domStar: isStar(fields[2]), dowStar: isStar(fields[4]),
	}, nil
}

func isStar(field string) bool { return strings.HasPrefix(field, "*") || strings.HasPrefix(field, "?") }

// parse returns the set of values a field allows as a bit set: a comma-separated list of *, ?,
// a value, or a range a-b, each with an optional /step.
func (f cronField) parse(field string) (uint64, error) {
	var bits uint64
	for item := range strings.SplitSeq(field, ",") {
		rangePart, stepPart, hasStep := strings.Cut(item, "/")
		step := 1
		if hasStep {
			s, err := strconv.Atoi(stepPart)
			if err != nil || s <= 0 {
				return 0, fmt.Errorf("%s: bad step %q", f.name, stepPart)
			}
			step = s
		}
		lo, hi := f.min, f.max
		switch rangePart {
		case "*", "?":
		default:
			a, b, isRange := strings.Cut(rangePart, "-")
			var err error
			if lo, err = f.value(a); err != nil {
				return 0, err
			}
			hi = lo
			if isRange {
				if hi, err = f.value(b); err != nil {
					return 0, err
				}
			} else if hasStep {
				// "a/n" means from a to the end of the range, every n.
				hi = f.max
			}
			if lo > hi {
				return 0, fmt.Errorf("%s: range %q runs backwards", f.name, rangePart)
			}
		}
		for v := lo; v <= hi; v += step {
			bits |= 1 << uint(v)
		}
	}
	return bits, nil
}

func (f cronField) value(s string) (int, error) {
	if v, ok := f.names[strings.ToLower(s)]; ok {
		return v, nil
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("%s: %q is not a number or a name", f.name, s)
	}
	if v < f.min || v > f.max {
		return 0, fmt.Errorf("%s: %d is outside %d-%d", f.name, v, f.min, f.max)
	}
	return v, nil
}

func (s *cronSchedule) dayMatches(t time.Time) bool {
	domMatch := s.dom&(1<<uint(t.Day())) != 0
	dowMatch := s.dow&(1<<uint(t.Weekday())) != 0
	if s.domStar || s.dowStar {
		return domMatch && dowMatch
	}
	return domMatch || dowMatch
}

// lastFire returns the latest minute in (after, now] at which the schedule fires. It walks back
// from now skipping whole days and hours that cannot match, so even a year-long window takes a
// few thousand steps.
func (s *cronSchedule) lastFire(now, after time.Time) (time.Time, bool) {
	for t := now.UTC().Truncate(time.Minute); t.After(after); {
		switch {
		case s.month&(1<<uint(t.Month())) == 0 || !s.dayMatches(t):
			t = startOfDay(t).Add(-time.Minute)
		case s.hour&(1<<uint(t.Hour())) == 0:
			t = t.Truncate(time.Hour).Add(-time.Minute)
		case s.minute&(1<<uint(t.Minute())) == 0:
			t = t.Add(-time.Minute)
		default:
			return t, true
		}
	}
	return time.Time{}, false
}

// nextFire returns the earliest minute in (now, until] at which the schedule fires.
func (s *cronSchedule) nextFire(now, until time.Time) (time.Time, bool) {
	for t := now.UTC().Truncate(time.Minute).Add(time.Minute); !t.After(until); {
		switch {
		case s.month&(1<<uint(t.Month())) == 0 || !s.dayMatches(t):
			t = startOfDay(t).AddDate(0, 0, 1)
		case s.hour&(1<<uint(t.Hour())) == 0:
			t = t.Truncate(time.Hour).Add(time.Hour)
		case s.minute&(1<<uint(t.Minute())) == 0:
			t = t.Add(time.Minute)
		default:
			return t, true
		}
	}
	return time.Time{}, false
}

// firedWithin reports whether the schedule fired at a minute in (now-d, now], which is when
// upstream Karpenter (robfig/cron's Next from now-d) considers a budget with this schedule and
// duration d active.
func (s *cronSchedule) firedWithin(now time.Time, d time.Duration) bool {
	_, ok := s.lastFire(now, now.Add(-d))
	return ok
}

func startOfDay(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}
