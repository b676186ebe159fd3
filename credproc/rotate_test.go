package credproc

import (
	"testing"
	"time"
)

func TestParseKeyAge(t *testing.T) {
	for in, want := range map[string]time.Duration{"90d": 90 * 24 * time.Hour, "1d": 24 * time.Hour, "36h": 36 * time.Hour} {
		if got, err := ParseKeyAge(in); err != nil || got != want {
			t.Errorf("ParseKeyAge(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "0d", "-1d", "d", "9x", "1.5d", "+3d", "99999d", "-1h", "0"} {
		if _, err := ParseKeyAge(in); err == nil {
			t.Errorf("ParseKeyAge(%q) accepted", in)
		}
	}
}

func TestKeyAge(t *testing.T) {
	now := time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)
	if msg, old := KeyAge(time.Time{}, now, DefaultMaxKeyAge); msg != "" || old {
		t.Fatalf("unknown creation: %q %v", msg, old)
	}
	msg, old := KeyAge(now.Add(-89*24*time.Hour), now, DefaultMaxKeyAge)
	if msg != "89 days old, created 2026-09-06" || old {
		t.Fatalf("89 days: %q %v", msg, old)
	}
	if _, old := KeyAge(now.Add(-90*24*time.Hour), now, DefaultMaxKeyAge); !old {
		t.Fatal("90 days is not old")
	}
	if got := MaskKeyID("AKIAIOSFODNN7EXAMPLE"); got != "AKIA************MPLE" {
		t.Fatalf("MaskKeyID = %s", got)
	}
}
