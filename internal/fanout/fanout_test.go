package fanout

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestLineWriterWholeLines: writers in many goroutines never interleave
// inside a line, and each line carries its writer's prefix.
func TestLineWriterWholeLines(t *testing.T) {
	var dst bytes.Buffer
	out := NewOutput(nil, nil, 0)
	var wg sync.WaitGroup
	for _, p := range []string{"a | ", "b | ", "c | "} {
		lw := out.NewLineWriter(&dst, p)
		wg.Go(func() {
			for range 200 {
				// A line in three writes, to tempt interleaving.
				lw.Write([]byte("x"))
				lw.Write([]byte(strings.Repeat("y", 50)))
				lw.Write([]byte("z\n"))
			}
			lw.Write([]byte("tail"))
			lw.Flush()
		})
	}
	wg.Wait()
	lines := strings.Split(strings.TrimSuffix(dst.String(), "\n"), "\n")
	if len(lines) != 3*201 {
		t.Fatalf("%d lines, want %d", len(lines), 3*201)
	}
	want := "x" + strings.Repeat("y", 50) + "z"
	for _, l := range lines {
		p, rest, _ := strings.Cut(l, " | ")
		if len(p) != 1 || rest != want && rest != "tail" {
			t.Fatalf("mixed line %q", l)
		}
	}
}

// TestOutputStatus: the status line is erased before each line and drawn
// again after it, and erased by Close.
func TestOutputStatus(t *testing.T) {
	var term bytes.Buffer
	out := NewOutput(&term, func() string { return "status" }, time.Hour)
	out.Line(&term, []byte("one\n"))
	out.Line(&term, []byte("two\n"))
	out.Close()
	want := "one\n\r\x1b[Kstatus\r\x1b[Ktwo\n\r\x1b[Kstatus\r\x1b[K"
	if got := term.String(); got != want {
		t.Errorf("terminal got %q, want %q", got, want)
	}
}

// TestRunBounded: at most parallel jobs at once; after cancel no job
// starts.
func TestRunBounded(t *testing.T) {
	var running, peak atomic.Int64
	started := Run(context.Background(), 40, 4, func(ctx context.Context, i int) {
		n := running.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(5 * time.Millisecond)
		running.Add(-1)
	})
	if started != 40 || peak.Load() > 4 || peak.Load() < 2 {
		t.Errorf("started %d, peak %d", started, peak.Load())
	}
	ctx, cancel := context.WithCancel(context.Background())
	var ran atomic.Int64
	started = Run(ctx, 40, 2, func(ctx context.Context, i int) {
		if ran.Add(1) == 3 {
			cancel()
		}
		time.Sleep(5 * time.Millisecond)
	})
	if started > 5 || int64(started) != ran.Load() {
		t.Errorf("after cancel: started %d, ran %d", started, ran.Load())
	}
}

// FuzzLineWriter: whatever a command writes, in whatever pieces, comes out
// as its lines, each prefixed, none longer than maxLine plus the prefix.
func FuzzLineWriter(f *testing.F) {
	f.Add([]byte("a\nb\n"), uint8(1))
	f.Add([]byte("no newline"), uint8(3))
	f.Add(bytes.Repeat([]byte("x"), maxLine+10), uint8(7))
	f.Fuzz(func(t *testing.T, data []byte, step uint8) {
		var dst bytes.Buffer
		lw := NewOutput(nil, nil, 0).NewLineWriter(&dst, "P|")
		n := int(step)%16 + 1
		for i := 0; i < len(data); i += n {
			lw.Write(data[i:min(i+n, len(data))])
		}
		lw.Flush()
		var back []byte
		for _, l := range bytes.SplitAfter(dst.Bytes(), []byte("\n")) {
			if len(l) == 0 {
				continue
			}
			if !bytes.HasPrefix(l, []byte("P|")) || l[len(l)-1] != '\n' || len(l) > maxLine+3 {
				t.Fatalf("bad line %q", l)
			}
			back = append(back, l[2:]...)
		}
		// Lines split at maxLine gain a newline; take those out to compare.
		if !bytes.Equal(bytes.ReplaceAll(back, []byte("\n"), nil), bytes.ReplaceAll(data, []byte("\n"), nil)) {
			t.Fatalf("content changed")
		}
	})
}
