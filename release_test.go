//go:build unix

package main

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"debug/buildinfo"
	"debug/elf"
	"debug/macho"
	"debug/pe"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// releasePlatforms are the platforms .ci/release builds archives for.
var releasePlatforms = []string{"linux/amd64", "linux/arm64", "darwin/amd64", "darwin/arm64", "windows/amd64"}

// releaseTools are what .ci/release runs besides go and git; .ci/setup
// installs those Debian lacks by default (zip, ruby).
func requireReleaseTools(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		_, err := exec.LookPath(tool)
		requireReal(t, err == nil, tool+" (.ci/setup installs it)")
	}
}

// runRelease runs .ci/release with args and returns its stderr; it fails
// the test if the exit status is not the one wanted.
func runRelease(t *testing.T, wantOK bool, args ...string) (stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(".ci/release", args...)
	// Offline: the module cache must be enough for a snapshot.
	cmd.Env = append(os.Environ(), "GOPROXY=off")
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if wantOK && err != nil {
		t.Fatalf(".ci/release %s: %v\n%s", strings.Join(args, " "), err, e.Bytes())
	}
	if !wantOK && err == nil {
		t.Fatalf(".ci/release %s succeeded; want an error\n%s", strings.Join(args, " "), e.Bytes())
	}
	return o.String(), e.String()
}

func gitOut(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("git", args...).Output()
	if err != nil {
		t.Fatalf("git %s: %v", strings.Join(args, " "), err)
	}
	return strings.TrimSpace(string(out))
}

// TestRelease builds a snapshot release twice and checks that the two are
// byte-identical and that every file in it is what a user needs.
func TestRelease(t *testing.T) {
	requireReleaseTools(t, "git", "tar", "gzip", "zip", "dpkg-deb", "sha256sum", "ruby")
	t.Parallel()
	tmp := t.TempDir()
	distA, distB := filepath.Join(tmp, "a"), filepath.Join(tmp, "b")
	rev := gitOut(t, "rev-parse", "HEAD")
	version := "0.0.0-SNAPSHOT-" + gitOut(t, "rev-parse", "--short=12", "HEAD")
	start := time.Now()
	runRelease(t, true, "--snapshot", "--dist", distA)
	t.Logf("one .ci/release --snapshot: %v", time.Since(start).Round(time.Second))
	// The second run names the version the first chose: the same bytes.
	runRelease(t, true, "--snapshot", "--version", "v"+version, "--dist="+distB)

	// Reproducible: the same files, byte for byte.
	names := releaseFiles(t, distA)
	if namesB := releaseFiles(t, distB); !slices.Equal(names, namesB) {
		t.Fatalf("the two runs wrote different files:\n%v\n%v", names, namesB)
	}
	for _, n := range names {
		a, _ := os.ReadFile(filepath.Join(distA, n))
		b, _ := os.ReadFile(filepath.Join(distB, n))
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs between two runs from the same commit", n)
		}
	}

	epoch, err := strconv.ParseInt(gitOut(t, "log", "-1", "--format=%ct", "HEAD"), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	commitTime := time.Unix(epoch, 0)
	var want []string
	for _, p := range releasePlatforms {
		ext := ".tar.gz"
		if strings.HasPrefix(p, "windows/") {
			ext = ".zip"
		}
		want = append(want, "credproc_"+version+"_"+strings.ReplaceAll(p, "/", "_")+ext)
	}
	want = append(want, "credproc_"+version+"_amd64.deb", "credproc_"+version+"_arm64.deb",
		"credproc_"+version+"_sbom.txt", "credproc.rb", "credproc.json", "checksums.txt")
	slices.Sort(want)
	if !slices.Equal(names, want) {
		t.Fatalf("dist holds\n%v\nwant\n%v", names, want)
	}

	// checksums.txt lists every other file, and sha256sum -c accepts it.
	sums := releaseChecksums(t, distA)
	if len(sums) != len(names)-1 {
		t.Errorf("checksums.txt lists %d files; dist has %d besides it", len(sums), len(names)-1)
	}
	check := exec.Command("sha256sum", "-c", "--strict", "checksums.txt")
	check.Dir = distA
	if out, err := check.CombinedOutput(); err != nil {
		t.Errorf("sha256sum -c checksums.txt: %v\n%s", err, out)
	}

	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	bins := map[string][]byte{}
	for _, p := range releasePlatforms {
		goos, goarch, _ := strings.Cut(p, "/")
		name := "credproc_" + version + "_" + goos + "_" + goarch
		exe := "credproc"
		var members []releaseMember
		if goos == "windows" {
			exe = "credproc.exe"
			members = readZip(t, filepath.Join(distA, name+".zip"))
		} else {
			members = readTarGz(t, filepath.Join(distA, name+".tar.gz"))
		}
		var got []string
		for _, m := range members {
			got = append(got, m.name)
			// Zip's DOS times count in steps of two seconds.
			if d := m.modTime.Sub(commitTime).Abs(); d != 0 && (goos != "windows" || d > 2*time.Second) {
				t.Errorf("%s: %s has time %v; want the commit time %v", name, m.name, m.modTime, commitTime)
			}
			wantMode := os.FileMode(0o644)
			if m.name == exe {
				wantMode = 0o755
			}
			if m.mode != wantMode {
				t.Errorf("%s: %s has mode %v; want %v", name, m.name, m.mode, wantMode)
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, []string{"README.md", exe}) {
			t.Fatalf("%s holds %v; want the binary and README.md", name, got)
		}
		for _, m := range members {
			if m.name == "README.md" && !bytes.Equal(m.data, readme) {
				t.Errorf("%s: README.md is not the repository's", name)
			}
			if m.name == exe {
				bins[p] = m.data
				checkBinary(t, name, m.data, goos, goarch)
			}
		}
	}

	// The binary for this machine says which build it is.
	host := runtime.GOOS + "/" + runtime.GOARCH
	bin := filepath.Join(tmp, "credproc-host")
	if err := os.WriteFile(bin, bins[host], 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "version").Output()
	if err != nil {
		t.Fatalf("%s credproc version: %v", host, err)
	}
	wantVersion := regexp.MustCompile(`^credproc ` + regexp.QuoteMeta(version) + ` \(revision ` + rev + `(-dirty)?, ` +
		regexp.QuoteMeta(runtime.Version()) + `, ` + host + `\)\n$`)
	if !wantVersion.Match(out) {
		t.Errorf("%s credproc version printed %q; want %v", host, out, wantVersion)
	}
	dirty := gitOut(t, "status", "--porcelain") != ""
	if strings.Contains(string(out), "-dirty") != dirty {
		t.Errorf("credproc version printed %q, but the tree's uncommitted changes: %v", out, dirty)
	}
	const completion = true // the packages ship the completion scripts

	for _, arch := range []string{"amd64", "arm64"} {
		checkDeb(t, filepath.Join(distA, "credproc_"+version+"_"+arch+".deb"), version, arch, bins["linux/"+arch], completion)
	}
	checkFormula(t, filepath.Join(distA, "credproc.rb"), version, sums, completion)
	checkScoop(t, filepath.Join(distA, "credproc.json"), version, sums)
	checkSBOM(t, filepath.Join(distA, "credproc_"+version+"_sbom.txt"), bins)
}

// TestReleaseBadInput: a command line .ci/release cannot use stops it
// before it builds or writes anything, with one error line.
func TestReleaseBadInput(t *testing.T) {
	requireReleaseTools(t, "git", "tar", "gzip", "zip", "dpkg-deb", "sha256sum")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--snapshot", "--version", "1.2"}, `version "1.2" is not MAJOR.MINOR.PATCH`},
		{[]string{"--snapshot", "--version", "1.2.3;touch x"}, `version "1.2.3;touch x" is not MAJOR.MINOR.PATCH`},
		{[]string{"--snapshot", "--version", "1.2.3-"}, `is not MAJOR.MINOR.PATCH`},
		{[]string{"--snapshot", "--version=1.2.3 beta"}, `is not MAJOR.MINOR.PATCH`},
		{[]string{"--snapshot", "--version"}, `--version needs a value`},
		{[]string{"--snapshot", "--dist", ""}, `--dist needs a value`},
		{[]string{"--snapshot", "--sign"}, `unknown argument "--sign"`},
		{[]string{"snapshot"}, `unknown argument "snapshot"`},
	} {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			dist := filepath.Join(t.TempDir(), "dist")
			args := c.args
			if !slices.Contains(args, "--dist") {
				args = append(slices.Clone(args), "--dist", dist)
			}
			stdout, stderr := runRelease(t, false, args...)
			if stdout != "" {
				t.Errorf("stdout %q; want nothing", stdout)
			}
			if !strings.HasPrefix(stderr, ".ci/release: error: ") || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, c.want) {
				t.Errorf("stderr %q; want one error line with %q", stderr, c.want)
			}
			if _, err := os.Stat(dist); !os.IsNotExist(err) {
				t.Errorf("a refused run created %s", dist)
			}
		})
	}
}

// TestReleaseNeedsTagOrVersion: without --snapshot, a release is made only
// from a clean tree, and its version comes from the tag at HEAD.
func TestReleaseNeedsTagOrVersion(t *testing.T) {
	requireReleaseTools(t, "git", "tar", "gzip", "zip", "dpkg-deb", "sha256sum")
	dist := filepath.Join(t.TempDir(), "dist")
	switch {
	case gitOut(t, "status", "--porcelain") != "":
		_, stderr := runRelease(t, false, "--dist", dist)
		if !strings.Contains(stderr, "the work tree has uncommitted changes: commit them, or build a --snapshot") {
			t.Errorf("stderr %q", stderr)
		}
	case exec.Command("git", "describe", "--tags", "--exact-match", "HEAD").Run() != nil:
		_, stderr := runRelease(t, false, "--dist", dist)
		if !strings.Contains(stderr, "HEAD has no tag: tag it (git tag v1.2.3), pass --version, or build a --snapshot") {
			t.Errorf("stderr %q", stderr)
		}
	default:
		t.Skip("HEAD is a clean tagged commit: a release would build")
	}
	if _, err := os.Stat(dist); !os.IsNotExist(err) {
		t.Errorf("a refused run created %s", dist)
	}
}

// releaseFiles lists a dist directory, sorted.
func releaseFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	slices.Sort(names)
	return names
}

// releaseChecksums reads checksums.txt: file name to SHA-256.
func releaseChecksums(t *testing.T, dir string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "checksums.txt"))
	if err != nil {
		t.Fatal(err)
	}
	line := regexp.MustCompile(`^([0-9a-f]{64})  (\S+)$`)
	sums := map[string]string{}
	for l := range strings.Lines(string(b)) {
		m := line.FindStringSubmatch(strings.TrimSuffix(l, "\n"))
		if m == nil {
			t.Fatalf("checksums.txt: line %q is not in sha256sum format", l)
		}
		sums[m[2]] = m[1]
	}
	return sums
}

type releaseMember struct {
	name    string
	mode    os.FileMode
	modTime time.Time
	data    []byte
}

func readTarGz(t *testing.T, path string) []releaseMember {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if !zr.ModTime.IsZero() || zr.Name != "" {
		t.Errorf("%s: the gzip header keeps a name or time (%q, %v)", path, zr.Name, zr.ModTime)
	}
	tr := tar.NewReader(zr)
	var ms []releaseMember
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return ms
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if h.Uid != 0 || h.Gid != 0 || h.Uname != "" || h.Gname != "" {
			t.Errorf("%s: %s is owned by %d/%d (%q/%q); want 0/0 without names", path, h.Name, h.Uid, h.Gid, h.Uname, h.Gname)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		ms = append(ms, releaseMember{h.Name, h.FileInfo().Mode(), h.ModTime, data})
	}
}

func readZip(t *testing.T, path string) []releaseMember {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	defer zr.Close()
	var ms []releaseMember
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("%s: %s: %v", path, f.Name, err)
		}
		ms = append(ms, releaseMember{f.Name, f.Mode(), f.Modified.UTC(), data})
	}
	return ms
}

// checkBinary checks a binary's file header and the build settings the go
// command recorded in it.
func checkBinary(t *testing.T, name string, data []byte, goos, goarch string) {
	t.Helper()
	r := bytes.NewReader(data)
	var machine string
	switch goos {
	case "linux":
		f, err := elf.NewFile(r)
		if err != nil {
			t.Errorf("%s: not an ELF binary: %v", name, err)
			return
		}
		machine = map[elf.Machine]string{elf.EM_X86_64: "amd64", elf.EM_AARCH64: "arm64"}[f.Machine]
		for _, p := range f.Progs {
			if p.Type == elf.PT_INTERP {
				t.Errorf("%s: dynamically linked (has an interpreter); want a static binary", name)
			}
		}
	case "darwin":
		f, err := macho.NewFile(r)
		if err != nil {
			t.Errorf("%s: not a Mach-O binary: %v", name, err)
			return
		}
		machine = map[macho.Cpu]string{macho.CpuAmd64: "amd64", macho.CpuArm64: "arm64"}[f.Cpu]
	case "windows":
		f, err := pe.NewFile(r)
		if err != nil {
			t.Errorf("%s: not a PE binary: %v", name, err)
			return
		}
		machine = map[uint16]string{pe.IMAGE_FILE_MACHINE_AMD64: "amd64", pe.IMAGE_FILE_MACHINE_ARM64: "arm64"}[f.Machine]
	}
	if machine != goarch {
		t.Errorf("%s: the file header says %q; want %s", name, machine, goarch)
	}
	bi, err := buildinfo.Read(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: no Go build info: %v", name, err)
	}
	settings := map[string]string{}
	for _, s := range bi.Settings {
		settings[s.Key] = s.Value
	}
	for k, v := range map[string]string{"GOOS": goos, "GOARCH": goarch, "CGO_ENABLED": "0", "-trimpath": "true"} {
		if settings[k] != v {
			t.Errorf("%s: build setting %s=%q; want %q", name, k, settings[k], v)
		}
	}
	if bi.Path != "github.com/credproc/credproc" {
		t.Errorf("%s: main package %q", name, bi.Path)
	}
}

// checkDeb checks a .deb with dpkg-deb's own view of it.
func checkDeb(t *testing.T, path, version, arch string, bin []byte, completion bool) {
	t.Helper()
	name := filepath.Base(path)
	info, err := exec.Command("dpkg-deb", "--info", path).Output()
	if err != nil {
		t.Fatalf("dpkg-deb --info %s: %v", name, err)
	}
	for _, f := range []string{"Package: credproc", "Version: " + strings.ReplaceAll(version, "-", "~"), "Architecture: " + arch,
		"Maintainer: ", "Installed-Size: ", "Description: "} {
		if !regexp.MustCompile(`(?m)^ ` + regexp.QuoteMeta(f)).Match(info) {
			t.Errorf("dpkg-deb --info %s lacks %q:\n%s", name, f, info)
		}
	}
	contents, err := exec.Command("dpkg-deb", "--contents", path).Output()
	if err != nil {
		t.Fatalf("dpkg-deb --contents %s: %v", name, err)
	}
	files := map[string]string{} // path to mode
	for line := range strings.Lines(string(contents)) {
		f := strings.Fields(line)
		if len(f) < 6 {
			t.Fatalf("dpkg-deb --contents %s: line %q", name, line)
		}
		if f[1] != "root/root" {
			t.Errorf("%s: %s is owned by %s; want root/root", name, f[5], f[1])
		}
		if !strings.HasPrefix(f[0], "d") {
			files[f[5]] = f[0]
		}
	}
	want := map[string]string{"./usr/bin/credproc": "-rwxr-xr-x", "./usr/share/doc/credproc/README.md": "-rw-r--r--"}
	if completion {
		want["./usr/share/bash-completion/completions/credproc"] = "-rw-r--r--"
		want["./usr/share/zsh/vendor-completions/_credproc"] = "-rw-r--r--"
		want["./usr/share/fish/vendor_completions.d/credproc.fish"] = "-rw-r--r--"
	}
	if fmt.Sprint(files) != fmt.Sprint(want) {
		t.Errorf("%s installs %v; want %v", name, files, want)
	}
	root := t.TempDir()
	if out, err := exec.Command("dpkg-deb", "-x", path, root).CombinedOutput(); err != nil {
		t.Fatalf("dpkg-deb -x %s: %v\n%s", name, err, out)
	}
	got, err := os.ReadFile(filepath.Join(root, "usr/bin/credproc"))
	if err != nil || !bytes.Equal(got, bin) {
		t.Errorf("%s: /usr/bin/credproc is not the linux/%s archive's binary (%v)", name, arch, err)
	}
}

// checkFormula checks the Homebrew formula: Ruby syntax, the version, and
// in each OS and CPU block the URL and checksum of that platform's archive.
func checkFormula(t *testing.T, path, version string, sums map[string]string, completion bool) {
	t.Helper()
	if out, err := exec.Command("ruby", "-c", path).CombinedOutput(); err != nil {
		t.Errorf("ruby -c credproc.rb: %v\n%s", err, out)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rb := string(b)
	for _, s := range []string{"class Credproc < Formula\n", `  version "` + version + `"` + "\n", `    bin.install "credproc"` + "\n",
		`shell_output("#{bin}/credproc version")`} {
		if !strings.Contains(rb, s) {
			t.Errorf("credproc.rb lacks %q", s)
		}
	}
	if strings.Contains(rb, "generate_completions_from_executable") != completion {
		t.Errorf("credproc.rb installs completions: %v; the binary has the completion command: %v", !completion, completion)
	}
	// Walk the blocks: each url must sit in the block of its platform and
	// be followed by its archive's checksum.
	url := regexp.MustCompile(`^url "https://github\.com/credproc/credproc/releases/download/v#\{version\}/(credproc_#\{version\}_(\w+)_(\w+)\.tar\.gz)"$`)
	sha := regexp.MustCompile(`^sha256 "([0-9a-f]{64})"$`)
	var goos, goarch, lastFile string
	seen := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(rb))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch line {
		case "on_macos do":
			goos = "darwin"
		case "on_linux do":
			goos = "linux"
		case "on_arm do":
			goarch = "arm64"
		case "on_intel do":
			goarch = "amd64"
		}
		if m := url.FindStringSubmatch(line); m != nil {
			if m[2] != goos || m[3] != goarch {
				t.Errorf("credproc.rb: %s sits in the block for %s/%s", m[1], goos, goarch)
			}
			lastFile = strings.ReplaceAll(m[1], "#{version}", version)
			seen[m[2]+"/"+m[3]] = true
		}
		if m := sha.FindStringSubmatch(line); m != nil {
			if sums[lastFile] == "" || m[1] != sums[lastFile] {
				t.Errorf("credproc.rb: sha256 %s after %q; checksums.txt says %q", m[1], lastFile, sums[lastFile])
			}
			lastFile = ""
		}
	}
	for _, p := range releasePlatforms {
		if !strings.HasPrefix(p, "windows/") && !seen[p] {
			t.Errorf("credproc.rb has no url for %s", p)
		}
	}
}

// checkScoop checks the Scoop manifest against checksums.txt.
func checkScoop(t *testing.T, path, version string, sums map[string]string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	type arch struct {
		URL  string `json:"url"`
		Hash string `json:"hash"`
	}
	var m struct {
		Version      string          `json:"version"`
		Description  string          `json:"description"`
		Homepage     string          `json:"homepage"`
		Architecture map[string]arch `json:"architecture"`
		Bin          string          `json:"bin"`
		Checkver     string          `json:"checkver"`
		Autoupdate   struct {
			Architecture map[string]arch `json:"architecture"`
			Hash         struct {
				URL string `json:"url"`
			} `json:"hash"`
		} `json:"autoupdate"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("credproc.json: %v", err)
	}
	file := "credproc_" + version + "_windows_amd64.zip"
	wantURL := "https://github.com/credproc/credproc/releases/download/v" + version + "/" + file
	if m.Version != version || m.Bin != "credproc.exe" || m.Homepage != "https://github.com/credproc/credproc" || m.Description == "" ||
		m.Checkver != "github" || len(m.Architecture) != 1 {
		t.Errorf("credproc.json: %s", b)
	}
	if a := m.Architecture["64bit"]; a.URL != wantURL || a.Hash != sums[file] || sums[file] == "" {
		t.Errorf("credproc.json: 64bit %+v; want url %s, hash %s", a, wantURL, sums[file])
	}
	if u := strings.ReplaceAll(m.Autoupdate.Architecture["64bit"].URL, "$version", version); u != wantURL {
		t.Errorf("credproc.json: autoupdate url gives %s; want %s", u, wantURL)
	}
	if m.Autoupdate.Hash.URL != "$baseurl/checksums.txt" {
		t.Errorf("credproc.json: autoupdate hash url %q", m.Autoupdate.Hash.URL)
	}
}

// checkSBOM: for every binary, the SBOM lists exactly the modules its
// build info names.
func checkSBOM(t *testing.T, path string, bins map[string][]byte) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sections := map[string][]string{}
	var cur string
	for line := range strings.Lines(string(b)) {
		line = strings.TrimSuffix(line, "\n")
		if h, ok := strings.CutSuffix(line, ": "+runtime.Version()); ok && !strings.HasPrefix(line, "\t") {
			cur = strings.TrimSuffix(strings.TrimSuffix(h, "/credproc"), "/credproc.exe")
			continue
		}
		if f := strings.Split(strings.TrimPrefix(line, "\t"), "\t"); len(f) >= 3 && f[0] == "dep" {
			sections[cur] = append(sections[cur], f[1]+"@"+f[2])
		}
	}
	for _, p := range releasePlatforms {
		bi, err := buildinfo.Read(bytes.NewReader(bins[p]))
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, d := range bi.Deps {
			want = append(want, d.Path+"@"+d.Version)
		}
		got := sections[strings.ReplaceAll(p, "/", "_")]
		if len(want) == 0 || !slices.Equal(got, want) {
			t.Errorf("SBOM for %s lists %v; the binary links %v", p, got, want)
		}
	}
}
