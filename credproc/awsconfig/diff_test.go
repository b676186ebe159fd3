package awsconfig

import (
	"fmt"
	"math/rand"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestDiffExample(t *testing.T) {
	old := "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\n"
	new := "a\nb\nc\nd\nE\nf\ng\nh\ni\nj\nk\nl\nm"
	want := "@@ -2,7 +2,7 @@\n b\n c\n d\n-e\n+E\n f\n g\n h\n@@ -10,3 +10,4 @@\n j\n k\n l\n+m\n\\ No newline at end of file\n"
	if got := Diff([]byte(old), []byte(new)); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	// Six unchanged lines between two changes: one hunk, as GNU diff does.
	old, new = "a\nb\nc\nd\ne\nf\ng\nh\n", "A\nb\nc\nd\ne\nf\ng\nH\n"
	want = "@@ -1,8 +1,8 @@\n-a\n+A\n b\n c\n d\n e\n f\n g\n-h\n+H\n"
	if got := Diff([]byte(old), []byte(new)); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if got := Diff([]byte(old), []byte(old)); got != "" {
		t.Errorf("equal inputs: %q", got)
	}
	if got, want := Diff(nil, []byte("x\n")), "@@ -0,0 +1 @@\n+x\n"; got != want {
		t.Errorf("from empty: %q, want %q", got, want)
	}
	if got, want := Diff([]byte("x\r\n"), []byte("y\r\n")), "@@ -1 +1 @@\n-x\n+y\n"; got != want {
		t.Errorf("crlf: %q, want %q", got, want)
	}
}

// applyUnified applies a diff produced by Diff to old.
func applyUnified(old, diff string) (string, error) {
	a := splitLines(old)
	var out strings.Builder
	ai := 0
	lines := strings.SplitAfter(diff, "\n")
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if l == "" {
			continue
		}
		if !strings.HasPrefix(l, "@@ -") {
			return "", fmt.Errorf("expected hunk header, got %q", l)
		}
		var as, an, bs, bn int
		f := strings.Fields(l)
		parse := func(s string) (int, int) {
			st, n, ok := strings.Cut(s[1:], ",")
			x, _ := strconv.Atoi(st)
			c := 1
			if ok {
				c, _ = strconv.Atoi(n)
			}
			return x, c
		}
		as, an = parse(f[1])
		bs, bn = parse(f[2])
		_ = bs
		start := as - 1
		if an == 0 {
			start = as
		}
		for ai < start {
			out.WriteString(a[ai])
			ai++
		}
		for i+1 < len(lines) && lines[i+1] != "" && !strings.HasPrefix(lines[i+1], "@@") {
			i++
			l := lines[i]
			body := l[1:]
			if i+1 < len(lines) && lines[i+1] == "\\ No newline at end of file\n" {
				body = strings.TrimSuffix(body, "\n")
				i++
			}
			switch l[0] {
			case ' ':
				out.WriteString(a[ai])
				ai++
				bn--
			case '-':
				ai++
			case '+':
				out.WriteString(body)
				bn--
			default:
				return "", fmt.Errorf("bad line %q", l)
			}
		}
		if bn != 0 {
			return "", fmt.Errorf("hunk count mismatch")
		}
	}
	for ai < len(a) {
		out.WriteString(a[ai])
		ai++
	}
	return out.String(), nil
}

func lcsLen(a, b []string) int {
	dp := make([][]int, len(a)+1)
	for i := range dp {
		dp[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				dp[i][j] = dp[i+1][j+1] + 1
			} else {
				dp[i][j] = max(dp[i+1][j], dp[i][j+1])
			}
		}
	}
	return dp[0][0]
}

func randomText(r *rand.Rand) string {
	n := r.Intn(14)
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteByte("abcd"[r.Intn(4)])
		if i < n-1 || r.Intn(3) > 0 {
			b.WriteByte('\n')
		}
	}
	return b.String()
}

func TestDiffMinimalAndApplies(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for iter := 0; iter < 3000; iter++ {
		old, new := randomText(r), randomText(r)
		checkDiff(t, old, new)
	}
}

func checkDiff(t *testing.T, old, new string) {
	t.Helper()
	d := Diff([]byte(old), []byte(new))
	got, err := applyUnified(old, d)
	if err != nil || got != new {
		t.Fatalf("Diff(%q, %q) =\n%s\napplies to %q (%v)", old, new, d, got, err)
	}
	a, b := splitLines(old), splitLines(new)
	changes := strings.Count("\n"+d, "\n-") + strings.Count("\n"+d, "\n+")
	if want := len(a) + len(b) - 2*lcsLen(a, b); changes != want {
		t.Fatalf("Diff(%q, %q) has %d changed lines, minimum is %d:\n%s", old, new, changes, want, d)
	}
}

func FuzzDiff(f *testing.F) {
	f.Add("a\nb\nc\n", "a\nc\nd")
	f.Add("", "x")
	f.Add(messyConfig, strings.Replace(messyConfig, "json", "text", 1))
	f.Fuzz(func(t *testing.T, old, new string) {
		if len(old) > 1500 || len(new) > 1500 {
			return // keep the quadratic LCS check cheap
		}
		if strings.Contains(old+new, "\r") || strings.Contains(old+new, "\\ No newline") {
			return // display-only transformations
		}
		checkDiff(t, old, new)
	})
}

func TestDiffLarge(t *testing.T) {
	r := rand.New(rand.NewSource(2))
	gen := func(n, alpha int) string {
		var b strings.Builder
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, "line %d\n", r.Intn(alpha))
		}
		return b.String()
	}
	for _, tc := range []struct{ n, alpha int }{{5000, 1 << 30}, {6000, 3}} {
		a, b := gen(tc.n, tc.alpha), gen(tc.n, tc.alpha)
		start := time.Now()
		d := Diff([]byte(a), []byte(b))
		t.Logf("%d lines from %d distinct values: %v", tc.n, tc.alpha, time.Since(start))
		if got, err := applyUnified(a, d); err != nil || got != b {
			t.Fatalf("diff does not apply (%v)", err)
		}
	}
}
