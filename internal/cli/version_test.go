package cli

import (
	"bytes"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersionLine(t *testing.T) {
	info := func(main string, settings ...string) *debug.BuildInfo {
		bi := &debug.BuildInfo{Main: debug.Module{Path: "github.com/credproc/credproc", Version: main}}
		for i := 0; i+1 < len(settings); i += 2 {
			bi.Settings = append(bi.Settings, debug.BuildSetting{Key: settings[i], Value: settings[i+1]})
		}
		return bi
	}
	const rev = "40bbfbc4e2a1c0ffee0123456789abcdef012345"
	for _, c := range []struct {
		name              string
		version, revision string
		bi                *debug.BuildInfo
		want              string
	}{
		{"stamped release", "1.2.3", rev, info("(devel)", "vcs.revision", "ffff", "vcs.modified", "false"),
			"credproc 1.2.3 (revision " + rev + ", go1.26.0, linux/amd64)"},
		{"stamped snapshot of a dirty tree", "0.0.0-SNAPSHOT-40bbfbc4e2a1", rev, info("", "vcs.revision", rev, "vcs.modified", "true"),
			"credproc 0.0.0-SNAPSHOT-40bbfbc4e2a1 (revision " + rev + ", modified, go1.26.0, linux/amd64)"},
		{"go install @version", "dev", "", info("v1.2.3"),
			"credproc 1.2.3 (go1.26.0, linux/amd64)"},
		{"go build in a checkout", "dev", "", info("v0.0.0-20261204162900-40bbfbc4e2a1+dirty", "vcs.revision", rev, "vcs.modified", "true"),
			"credproc 0.0.0-20261204162900-40bbfbc4e2a1+dirty (revision " + rev + ", modified, go1.26.0, linux/amd64)"},
		{"no version known", "dev", "", info("(devel)"),
			"credproc dev (go1.26.0, linux/amd64)"},
		{"no build info", "dev", "", nil,
			"credproc dev (go1.26.0, linux/amd64)"},
		{"stamped version wins over the module's", "2.0.0", "", info("v1.9.0", "vcs.revision", rev),
			"credproc 2.0.0 (revision " + rev + ", go1.26.0, linux/amd64)"},
		{"a 'v' only before a digit is dropped", "vnext", "", nil,
			"credproc vnext (go1.26.0, linux/amd64)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := versionLine(c.version, c.revision, c.bi, "go1.26.0", "linux/amd64"); got != c.want {
				t.Errorf("got  %q\nwant %q", got, c.want)
			}
		})
	}
}

func TestCmdVersion(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}} {
		var out, errb bytes.Buffer
		u := &ui{stdout: &out, stderr: &errb}
		if err := run(t.Context(), u, args); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		line := out.String()
		if !strings.HasPrefix(line, "credproc ") || !strings.HasSuffix(line, runtime.Version()+", "+runtime.GOOS+"/"+runtime.GOARCH+")\n") ||
			strings.Count(line, "\n") != 1 || errb.Len() != 0 {
			t.Errorf("%v: stdout %q, stderr %q", args, line, errb.String())
		}
	}
	var out, errb bytes.Buffer
	u := &ui{stdout: &out, stderr: &errb}
	err := run(t.Context(), u, []string{"version", "extra"})
	if _, ok := err.(usageError); !ok || out.Len() != 0 {
		t.Errorf("version extra: err %v, stdout %q", err, out.String())
	}
}
