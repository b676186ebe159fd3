package totp

import (
	"strings"
	"testing"
	"time"
)

// RFC 6238 appendix B, SHA1 rows. The seed is the ASCII string
// "12345678901234567890" and the codes have 8 digits.
func TestRFC6238Vectors(t *testing.T) {
	key := []byte("12345678901234567890")
	vectors := []struct {
		unix int64
		want string
	}{
		{59, "94287082"},
		{1111111109, "07081804"},
		{1111111111, "14050471"},
		{1234567890, "89005924"},
		{2000000000, "69279037"},
		{20000000000, "65353130"},
	}
	for _, v := range vectors {
		c, err := counter(time.Unix(v.unix, 0))
		if err != nil {
			t.Fatal(err)
		}
		if got := codeDigits(key, uint64(c), 8); got != v.want {
			t.Errorf("T=%d: got %s, want %s", v.unix, got, v.want)
		}
		// The 6-digit code is the last 6 digits of the 8-digit one.
		secret := encoding.EncodeToString(key)
		got6, err := Code(secret, time.Unix(v.unix, 0))
		if err != nil {
			t.Fatal(err)
		}
		if got6 != v.want[2:] {
			t.Errorf("T=%d: Code = %s, want %s", v.unix, got6, v.want[2:])
		}
	}
}

// RFC 4226 appendix D: HOTP values for counters 0..9.
func TestRFC4226Vectors(t *testing.T) {
	key := []byte("12345678901234567890")
	want := []string{"755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"}
	for i, w := range want {
		if got := codeDigits(key, uint64(i), 6); got != w {
			t.Errorf("counter %d: got %s, want %s", i, got, w)
		}
	}
}

func TestSecretForms(t *testing.T) {
	// "12345678901234567890" in base32.
	const canonical = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
	at := time.Unix(59, 0)
	want, err := Code(canonical, at)
	if err != nil {
		t.Fatal(err)
	}
	if want != "287082" {
		t.Fatalf("Code = %s, want 287082", want)
	}
	for _, s := range []string{
		strings.ToLower(canonical),
		"gezd gnbv gy3t qojq gezd gnbv gy3t qojq",
		" GEZDGNBVGY3TQOJQ\tGEZDGNBVGY3TQOJQ ",
		canonical + "======", // padding is tolerated though not required
	} {
		got, err := Code(s, at)
		if err != nil || got != want {
			t.Errorf("Code(%q) = %q, %v; want %q", s, got, err, want)
		}
	}
	for _, s := range []string{"", "   ", "GEZDGNBVGY3TQOJ1", "A", "GEZ!", "=="} {
		if _, err := Code(s, at); err == nil {
			t.Errorf("Code(%q): no error", s)
		}
		if _, ok := Validate(s, want, at, 1); ok {
			t.Errorf("Validate(%q) accepted", s)
		}
	}
	if _, err := Code(canonical, time.Unix(-1, 0)); err == nil {
		t.Error("Code before the epoch: no error")
	}
}

func TestValidateSkew(t *testing.T) {
	secret := NewSecret()
	now := time.Unix(1_700_000_015, 0) // middle of a step
	step := now.Unix() / 30
	code := func(d int64) string {
		c, err := Code(secret, now.Add(time.Duration(d)*Step))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	tests := []struct {
		name   string
		offset int64 // steps from now at which the code was generated
		skew   int
		ok     bool
	}{
		{"current", 0, 0, true},
		{"previous, no skew", -1, 0, false},
		{"previous, skew 1", -1, 1, true},
		{"next, skew 1", 1, 1, true},
		{"two back, skew 1", -2, 1, false},
		{"two ahead, skew 1", 2, 1, false},
		{"two back, skew 2", -2, 2, true},
		{"negative skew is 0", 0, -5, true},
	}
	for _, tc := range tests {
		c := code(tc.offset)
		got, ok := Validate(secret, c, now, tc.skew)
		// A random secret can repeat a code across steps (1 in 10^6);
		// only the positive cases check the step exactly.
		if tc.ok {
			if !ok || got != step+tc.offset {
				t.Errorf("%s: Validate = %d, %v; want %d, true", tc.name, got, ok, step+tc.offset)
			}
		} else if ok && got == step+tc.offset {
			t.Errorf("%s: accepted step %d outside the window", tc.name, got)
		}
	}
	for _, bad := range []string{"", "12345", "1234567", "12345a", " 12345", "１２３４５６"} {
		if _, ok := Validate(secret, bad, now, 1); ok {
			t.Errorf("Validate accepted malformed code %q", bad)
		}
	}
}

func TestNewSecret(t *testing.T) {
	a, b := NewSecret(), NewSecret()
	if a == b {
		t.Fatal("NewSecret returned the same secret twice")
	}
	if len(a) != 32 || strings.ContainsAny(a, "= ") {
		t.Fatalf("NewSecret = %q, want 32 base32 characters without padding", a)
	}
	key, err := decodeSecret(a)
	if err != nil || len(key) != 20 {
		t.Fatalf("decodeSecret(NewSecret()) = %d bytes, %v", len(key), err)
	}
}

func FuzzDecodeSecret(f *testing.F) {
	for _, s := range []string{"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", "gezd gnbv", "A", "AA======", "", "=", "MZXW6===", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		key, err := decodeSecret(s)
		if err != nil {
			if _, cerr := Code(s, time.Unix(59, 0)); cerr == nil {
				t.Fatalf("Code accepted %q that decodeSecret rejected", s)
			}
			return
		}
		if len(key) == 0 {
			t.Fatalf("decodeSecret(%q) returned an empty key", s)
		}
		// Re-encoding the key must decode to the same bytes.
		again, err := decodeSecret(encoding.EncodeToString(key))
		if err != nil || string(again) != string(key) {
			t.Fatalf("round trip of %q: %x, %v; want %x", s, again, err, key)
		}
		c, err := Code(s, time.Unix(59, 0))
		if err != nil || len(c) != Digits {
			t.Fatalf("Code(%q) = %q, %v", s, c, err)
		}
		if _, ok := Validate(s, c, time.Unix(59, 0), 0); !ok {
			t.Fatalf("Validate rejected its own code for %q", s)
		}
	})
}
