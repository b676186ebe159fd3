//go:build unix

package main

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/credproc/credproc/internal/awstest"
)

// TestDoctorScale: doctor over 1,000 profiles asks each source's identity
// once (one GetCallerIdentity) and ends with the failures summed up by
// cause, not one line per profile.
func TestDoctorScale(t *testing.T) {
	n := 1000
	if testing.Short() {
		n = 100
	}
	w := orgWorld(t)
	w.env = append(w.env, "AWS_ENDPOINT_URL_IAM="+w.srv.URL)
	var untrusting []string
	for i := range n - 1 {
		id := fmt.Sprintf("7%011d", i+1)
		w.orgAddAccount(id, fmt.Sprintf("Team %04d", i))
		trusted := mgmtAccount
		if i%27 == 0 {
			trusted = "999999999999"
			untrusting = append(untrusting, id)
		}
		w.srv.CreateRole(awstest.Role{Account: id, Name: "OrganizationAccountAccessRole", TrustedAccounts: []string{trusted}, Actions: []string{"*"}})
	}
	if _, stderr, err := w.run("setup", "--org", "--source", "mgmt", "--prefix", "acme-"); err != nil {
		t.Fatalf("setup --org: %v\n%s", err, stderr)
	}
	w.srv.ResetCalls()
	if lat := os.Getenv("CREDPROC_TEST_STS_LATENCY"); lat != "" {
		d, _ := time.ParseDuration(lat)
		w.srv.SetLatency(d)
	}
	start := time.Now()
	stdout, stderr, err := w.run("doctor")
	el := time.Since(start)
	t.Logf("doctor over %d profiles: %s", n, el)
	if err == nil {
		t.Fatal("doctor succeeded with untrusting roles")
	}
	if c := w.srv.Calls("GetCallerIdentity"); c != 1 {
		t.Errorf("GetCallerIdentity called %d times, want 1 (one source)", c)
	}
	want := fmt.Sprintf("credproc: %d profiles: the role's trust policy does not trust %s — run `credproc init-role` (", len(untrusting), mgmtAccount)
	if !strings.Contains(stderr, want) {
		t.Errorf("no grouped cause %q:\n%s", want, stderr)
	}
	if lines := strings.Count(stderr, "\n"); lines > 4 {
		t.Errorf("stderr has %d lines, want the summary only:\n%s", lines, stderr)
	}
	if !strings.Contains(stderr, fmt.Sprintf("credproc: error: doctor: %d of %d profiles fail: ", len(untrusting), n)) || !strings.Contains(stderr, " more\n") {
		t.Errorf("error line:\n%s", stderr)
	}
	if got := strings.Count(stdout, "FAIL assume role:"); got != len(untrusting) {
		t.Errorf("%d FAIL lines on stdout, want %d", got, len(untrusting))
	}
}
