//go:build unix

package main

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/credproc/credproc/internal/awsconfig"
)

// TestParallelSetupsLoseNothing: 30 rounds of 8 parallel `setup`s on one
// config file. Before the config edit lock, 7 of 122 profiles that setup
// reported as written were missing from the final file (the compare and the
// rename were not under one lock). Now every reported success is in the
// file, and so, since they wait for each other, is every profile.
func TestParallelSetupsLoseNothing(t *testing.T) {
	w := e2e(t)
	w.addSource(t, "mgmt")
	var mu sync.Mutex
	var wrote []string
	for round := range 30 {
		var wg sync.WaitGroup
		for i := range 8 {
			name := fmt.Sprintf("r%02d-p%d", round, i)
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, stderr, err := w.run("setup", name, "--source", "mgmt", "--account", memberAccount)
				if err != nil {
					t.Errorf("setup %s: %v\n%s", name, err, stderr)
					return
				}
				if strings.Contains(stderr, "wrote profile "+name) {
					mu.Lock()
					wrote = append(wrote, name)
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
	}
	f, err := awsconfig.Load(w.orgConfigFile(), awsconfig.Config)
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, n := range f.ProfileNames() {
		have[n] = true
	}
	for _, n := range wrote {
		if !have[n] {
			t.Errorf("setup said it wrote %s, but it is not in the file", n)
		}
	}
	if len(wrote) != 240 || len(have) != 240 {
		t.Errorf("%d setups reported success, the file has %d profiles; want 240", len(wrote), len(have))
	}
}
