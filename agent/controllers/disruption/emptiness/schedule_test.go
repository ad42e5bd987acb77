package emptiness

import (
	"testing"
	"time"
)

func TestCronFiredWithin(t *testing.T) {
	at := func(day, hour, minute int) time.Time {
		return time.Date(2026, time.March, day, hour, minute, 0, 0, time.UTC) // March 2nd 2026 is a Monday
	}
	for _, tc := range []struct {
		expr string
		now  time.Time
		d    time.Duration
		want bool
	}{
		{"0 9 * * mon-fri", at(2, 9, 0), time.Hour, true},        // fires exactly now
		{"0 9 * * mon-fri", at(2, 8, 59), time.Hour, false},      // not yet
		{"0 9 * * mon-fri", at(2, 9, 59), time.Hour, true},       // inside the hour
		{"0 9 * * mon-fri", at(2, 10, 0), time.Hour, false},      // the window is (now-d, now]
		{"0 9 * * mon-fri", at(7, 9, 30), time.Hour, false},      // Saturday
		{"0 9 * * 1-5", at(6, 9, 30), time.Hour, true},           // Friday, numerically
		{"0 9 * * 7", at(8, 9, 30), time.Hour, true},             // 7 is Sunday
		{"*/15 * * * *", at(2, 10, 14), 10 * time.Minute, false}, // last firing 10:00 is 14m ago
		{"*/15 * * * *", at(2, 10, 16), 10 * time.Minute, true},  // 10:15
		{"30 22 * * *", at(3, 1, 0), 3 * time.Hour, true},        // across midnight
		{"@daily", at(3, 23, 59), 24 * time.Hour, true},          // an alias
		{"@yearly", at(3, 0, 0), 24 * time.Hour, false},          // January 1st only
		{"0 0 1 jan *", time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), 366 * 24 * time.Hour, true},
		{"0 12 15 * mon", at(9, 12, 0), time.Minute, true},        // day of month OR day of week: a Monday
		{"0 12 15 * mon", at(15, 12, 0), time.Minute, true},       // the 15th, a Sunday
		{"0 12 15 * mon", at(10, 12, 0), time.Minute, false},      // neither
		{"0 12 15 * *", at(9, 12, 0), time.Minute, false},         // a star day of week: the 15th only
		{"0,30 8-10/2 * mar *", at(2, 10, 30), time.Minute, true}, // lists, ranges with steps, month names
		{"0,30 8-10/2 * mar *", at(2, 9, 30), time.Minute, false},
	} {
		s, err := parseCron(tc.expr)
		if err != nil {
			t.Fatalf("%q: %v", tc.expr, err)
		}
		if got := s.firedWithin(tc.now, tc.d); got != tc.want {
			t.Errorf("%q fired within %s before %s = %v, want %v", tc.expr, tc.d, tc.now.Format(time.RFC3339), got, tc.want)
		}
	}
}

func TestCronRejects(t *testing.T) {
	for _, expr := range []string{"", "* * * *", "60 * * * *", "* 24 * * *", "* * 0 * *", "* * * 13 *", "* * * * 8",
		"* * * * funday", "*/0 * * * *", "5-1 * * * *", "a * * * *", "@often"} {
		if _, err := parseCron(expr); err == nil {
			t.Errorf("%q parsed, want an error", expr)
		}
	}
}

func TestCronNextFire(t *testing.T) {
	s, err := parseCron("0 0 29 feb *")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, time.March, 1, 0, 0, 0, 0, time.UTC)
	got, ok := s.nextFire(now, now.Add(scheduleHorizon))
	if want := time.Date(2028, time.February, 29, 0, 0, 0, 0, time.UTC); !ok || !got.Equal(want) {
		t.Errorf("next Feb 29th = %v (%v), want %v", got, ok, want)
	}
}
