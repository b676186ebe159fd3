package credproc

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/credproc/credproc/internal/awsconfig"
)

// FuzzSettingsLine: the settings a line written by Line carries come back
// unchanged from ParseLine, whatever the values (when the line can be
// written at all).
func FuzzSettingsLine(f *testing.F) {
	f.Add("/usr/bin/credproc", "mgmt", "ykman oath accounts code -s 'aws alice'", `{"Statement":[]}`, "x #y", int64(3600), true)
	f.Add(`C:\Program Files\credproc\credproc.exe`, "profile:a b", `C:\tools\code.exe`, "", `a\"b`, int64(0), false)
	f.Fuzz(func(t *testing.T, prog, source, mfaProcess, policy, externalID string, secs int64, direct bool) {
		s := Settings{
			Source: source, MFAProcess: mfaProcess, Policy: policy, ExternalID: externalID,
			Duration: time.Duration(secs%100000) * time.Second, MFADirect: direct,
			MFADuration: DefaultMFADuration, RefreshWindow: DefaultRefreshWindow,
		}
		if s.Duration < 0 {
			s.Duration = -s.Duration
		}
		if !IsCredprocProgram(prog) {
			prog = "/opt/credproc"
		}
		line := s.Line(prog)
		if awsconfig.CheckValue(line) != nil {
			return
		}
		gotProg, got, err := ParseLine(line)
		if err != nil {
			t.Fatalf("ParseLine(%s): %v", line, err)
		}
		if gotProg != prog || !reflect.DeepEqual(*got, s) {
			t.Fatalf("ParseLine(%s) = %q, %+v; want %q, %+v", line, gotProg, *got, prog, s)
		}
	})
}

func TestParseLineErrors(t *testing.T) {
	for _, tc := range []struct {
		line      string
		notOurs   bool
		wantError bool
	}{
		{"/usr/bin/aws configure export-credentials", true, true},
		{"/opt/credproc --source", false, true},
		{"/opt/credproc --source a extra", false, true},
		{"/opt/credproc 'unterminated", false, true},
		{"/opt/credproc process --source a", false, false},
	} {
		_, _, err := ParseLine(tc.line)
		if (err != nil) != tc.wantError || errors.Is(err, ErrNotCredproc) != tc.notOurs {
			t.Errorf("ParseLine(%s) = %v", tc.line, err)
		}
	}
}
