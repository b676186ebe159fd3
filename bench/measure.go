package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"time"
)

// command is one program run the way the AWS CLI runs credential_process:
// argv exactly (no shell), stdout captured, stdin empty.
type command struct {
	label string
	argv  []string
	env   []string
	check func(stdout []byte) error // nil: any output
	// notices, when set, gets what a successful run wrote on stderr:
	// credproc's notices, which the AWS CLI would hide.
	notices func(stderr string)
}

// run runs c once and returns its wall time, from just before fork to
// having reaped the process and read all of its output.
func (c *command) run() (time.Duration, []byte, error) {
	cmd := newCmd(c)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	t0 := time.Now()
	err := cmd.Run()
	d := time.Since(t0)
	if err != nil {
		return d, nil, fmt.Errorf("%s: %v: %s", c.label, err, firstLine(stderr.String()))
	}
	if c.check != nil {
		if err := c.check(stdout.Bytes()); err != nil {
			return d, nil, fmt.Errorf("%s: %v", c.label, err)
		}
	}
	if c.notices != nil && stderr.Len() > 0 {
		c.notices(stderr.String())
	}
	return d, stdout.Bytes(), nil
}

// newCmd prepares c without running it, so that the time exec.Command
// takes is outside the measurement.
func newCmd(c *command) *exec.Cmd {
	cmd := exec.Command(c.argv[0], c.argv[1:]...)
	cmd.Env = c.env
	return cmd
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

// processOutput is the credential_process JSON.
type processOutput struct {
	Version         int
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string
	SessionToken    string
	Expiration      string
}

// checkCredentials accepts one credential_process JSON object.
func checkCredentials(out []byte) error {
	_, err := parseCredentials(out)
	return err
}

func parseCredentials(out []byte) (processOutput, error) {
	var p processOutput
	if err := json.Unmarshal(out, &p); err != nil {
		return p, fmt.Errorf("stdout is not credential_process JSON: %v", err)
	}
	if p.Version != 1 || p.AccessKeyID == "" || p.SecretAccessKey == "" || p.SessionToken == "" || p.Expiration == "" {
		return p, errors.New("credential_process JSON lacks a field")
	}
	return p, nil
}

// checkPrefix accepts output starting with prefix.
func checkPrefix(prefix string) func([]byte) error {
	return func(out []byte) error {
		if !bytes.HasPrefix(out, []byte(prefix)) {
			return fmt.Errorf("unexpected output %q", firstLine(string(out)))
		}
		return nil
	}
}

// roundRobin runs every command warmup times, then n more times measured.
// Each iteration runs each command once, starting one further along the
// list than the last, so that drifting machine noise (other engineers' test
// runs on the same cores) is spread over all commands alike and no command
// always runs right after the same other one.
func roundRobin(cmds []*command, warmup, n int) ([][]time.Duration, error) {
	res := make([][]time.Duration, len(cmds))
	for i := range warmup + n {
		for j := range cmds {
			k := (i + j) % len(cmds)
			d, _, err := cmds[k].run()
			if err != nil {
				return nil, err
			}
			if i >= warmup {
				res[k] = append(res[k], d)
			}
		}
	}
	return res, nil
}

// concurrently starts n copies of c at once (released together from a gate,
// as Terraform or xargs -P would start them) and returns the wall time until
// the last one finished, when each finished, and each one's stdout.
func concurrently(c *command, n int) (time.Duration, []time.Duration, [][]byte, error) {
	gate := make(chan struct{})
	outs := make([][]byte, n)
	errs := make([]error, n)
	ends := make([]time.Time, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-gate
			_, outs[i], errs[i] = c.run()
			ends[i] = time.Now()
		})
	}
	t0 := time.Now()
	close(gate)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return 0, nil, nil, err
	}
	offsets := make([]time.Duration, n)
	for i, e := range ends {
		offsets[i] = e.Sub(t0)
	}
	return slices.Max(offsets), offsets, outs, nil
}

// parallel runs f(i) for i in [0, n) on workers goroutines and returns the
// first error.
func parallel(n, workers int, f func(i int) error) error {
	var mu sync.Mutex
	var first error
	next := 0
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				mu.Lock()
				i := next
				next++
				stop := first != nil
				mu.Unlock()
				if i >= n || stop {
					return
				}
				if err := f(i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	return first
}

// stats summarises a sample of durations.
type stats struct {
	n           int
	median, p90 time.Duration
}

func summarize(ds []time.Duration) stats {
	if len(ds) == 0 {
		return stats{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	// Nearest-rank percentiles: the figures are values that occurred.
	rank := func(p float64) time.Duration {
		i := int(math.Ceil(p*float64(len(s)))) - 1
		return s[max(i, 0)]
	}
	return stats{n: len(s), median: rank(0.5), p90: rank(0.9)}
}

func median(ds []time.Duration) time.Duration { return summarize(ds).median }

// ms formats d in milliseconds with two significant decimals for small values.
func ms(d time.Duration) string {
	v := float64(d) / float64(time.Millisecond)
	switch {
	case v < 10:
		return fmt.Sprintf("%.2f ms", v)
	case v < 100:
		return fmt.Sprintf("%.1f ms", v)
	}
	return fmt.Sprintf("%.0f ms", v)
}

func ratio(a, b time.Duration) float64 {
	if b == 0 {
		return math.NaN()
	}
	return float64(a) / float64(b)
}
