// Package fanout runs one job per item, a bounded number at a time, and
// serialises their output: whole lines only, each with its item's prefix,
// under one optional status line that is redrawn below them on a terminal.
package fanout

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sync"
	"time"
)

// Run calls job(ctx, i) for i in [0, n), at most parallel at a time, in
// order. Once ctx is done no further job starts; Run waits for the running
// ones and returns how many were started.
func Run(ctx context.Context, n, parallel int, job func(ctx context.Context, i int)) (started int) {
	if parallel < 1 {
		parallel = 1
	}
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	for i := range n {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		started++
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			job(ctx, i)
		}()
	}
	wg.Wait()
	return started
}

// Output serialises lines from many writers onto shared destinations and
// keeps a status line (on a terminal) at the bottom: it is cleared before a
// line is written and drawn again after.
type Output struct {
	mu       sync.Mutex
	statusW  io.Writer     // where the status line goes; nil: none
	status   func() string // the status line's text
	shown    bool
	stop     chan struct{}
	finished chan struct{}
}

// NewOutput returns an Output. With statusW non-nil (a terminal), status
// is drawn on it every interval and around every line.
func NewOutput(statusW io.Writer, status func() string, interval time.Duration) *Output {
	o := &Output{statusW: statusW, status: status}
	if statusW == nil || status == nil {
		return o
	}
	o.stop, o.finished = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(o.finished)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				o.mu.Lock()
				o.draw()
				o.mu.Unlock()
			case <-o.stop:
				return
			}
		}
	}()
	return o
}

// clearStatus erases the status line. Called with mu held.
func (o *Output) clearStatus() {
	if o.shown {
		io.WriteString(o.statusW, "\r\x1b[K")
		o.shown = false
	}
}

// draw writes the status line. Called with mu held.
func (o *Output) draw() {
	if o.statusW == nil || o.status == nil {
		return
	}
	fmt.Fprintf(o.statusW, "\r\x1b[K%s", o.status())
	o.shown = true
}

// Line writes line (which ends in a newline) to w in one piece.
func (o *Output) Line(w io.Writer, line []byte) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.clearStatus()
	w.Write(line)
	if o.stop != nil {
		o.draw()
	}
}

// Close stops redrawing and erases the status line, so what follows starts
// on a clean line.
func (o *Output) Close() {
	if o.stop != nil {
		close(o.stop)
		<-o.finished
		o.stop = nil
	}
	o.mu.Lock()
	o.clearStatus()
	o.mu.Unlock()
}

// maxLine bounds a line kept in memory: a longer one is written in pieces
// of this size, each with the prefix.
const maxLine = 64 << 10

// LineWriter is an io.Writer that writes whole lines to w through an
// Output, each with a prefix.
type LineWriter struct {
	out    *Output
	w      io.Writer
	prefix []byte
	buf    []byte
	mu     sync.Mutex
}

// NewLineWriter returns a writer that prefixes each line with prefix.
func (o *Output) NewLineWriter(w io.Writer, prefix string) *LineWriter {
	return &LineWriter{out: o, w: w, prefix: []byte(prefix)}
}

// Write buffers p and writes every complete line.
func (l *LineWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			l.buf = append(l.buf, p...)
			for len(l.buf) >= maxLine {
				l.emit(l.buf[:maxLine])
				l.buf = append(l.buf[:0], l.buf[maxLine:]...)
			}
			break
		}
		l.buf = append(l.buf, p[:i]...)
		l.emit(l.buf)
		l.buf = l.buf[:0]
		p = p[i+1:]
	}
	return n, nil
}

func (l *LineWriter) emit(line []byte) {
	b := make([]byte, 0, len(l.prefix)+len(line)+1)
	b = append(append(append(b, l.prefix...), line...), '\n')
	l.out.Line(l.w, b)
}

// Flush writes a last line that has no newline, ending it with one.
func (l *LineWriter) Flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.buf) > 0 {
		l.emit(l.buf)
		l.buf = l.buf[:0]
	}
}
