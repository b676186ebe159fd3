package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/credproc/credproc/cache"
	"github.com/credproc/credproc/internal/awsconfig"
	"github.com/credproc/credproc/internal/awstest"
	"github.com/credproc/credproc/internal/totp"
)

// Accounts of the emulated organization.
const (
	mgmtAccount   = "111111111111" // holds the IAM user alice, the source
	memberAccount = "222222222222" // trusts the management account
	mfaAccount    = "333333333333" // trusts it only with MFA
	region        = "us-east-1"
	sourceName    = "alice"
)

// maxReps bounds -reps: every cold run in (b) moves the emulator's clock a
// TOTP step (30 s) ahead, and SigV4 tolerates 15 minutes of skew: at most
// 25 steps, for a margin. Each repetition makes two cold runs, four with an
// STS latency, after one warm-up run.
func maxReps(stsLatency time.Duration) int {
	perRep := 2
	if stsLatency > 0 {
		perRep = 4
	}
	return (25 - 1) / perRep
}

// world is the emulated organization and the environment credproc runs in,
// as main_test.go sets it up for the end-to-end tests: its own HOME, AWS
// config file, cache directory and keyring service, STS at the emulator.
type world struct {
	cfg       *config
	tmp       string
	goVersion string
	credproc  string // built binary, CGO_ENABLED=0 as README.md installs it
	cgoBuild  string // the same built with cgo, for comparison; "" without a C compiler
	hello     string // Go hello-world binary
	self      string // this program, for --mfa-process
	srv       *awstest.Server
	offset    atomic.Int64 // emulator clock minus real time, ns
	service   string       // CREDPROC_KEYRING_SERVICE, unique per run
	home      string
	config    string // AWS_CONFIG_FILE
	stateDir  string // credproc's index and locks
	baseEnv   []string
	akid      string // alice's access key ID
	secret    string // alice's secret key
}

func newWorld(cfg *config) (*world, error) {
	root, err := moduleRoot()
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "credproc-bench-")
	if err != nil {
		return nil, err
	}
	w := &world{cfg: cfg, tmp: tmp}
	if w.self, err = os.Executable(); err != nil {
		w.close()
		return nil, err
	}
	if err := w.build(root); err != nil {
		w.close()
		return nil, err
	}
	w.srv = awstest.NewServer()
	// The clock only moves in (b), to give every cold run a fresh MFA code.
	w.srv.SetClock(func() time.Time { return time.Now().Add(time.Duration(w.offset.Load())) })
	w.akid, w.secret = w.srv.CreateUser(mgmtAccount, "alice")
	for _, acct := range []string{memberAccount, mfaAccount} {
		w.srv.CreateRole(awstest.Role{
			Account: acct, Name: "OrganizationAccountAccessRole",
			TrustedAccounts: []string{mgmtAccount}, RequireMFA: acct == mfaAccount,
			MaxSessionDuration: 12 * time.Hour, Actions: []string{"*"},
		})
	}
	var id [6]byte
	rand.Read(id[:])
	w.service = "credproc-bench-" + hex.EncodeToString(id[:])
	w.home = filepath.Join(tmp, "home")
	w.config = filepath.Join(w.home, ".aws", "config")
	cacheHome := filepath.Join(w.home, ".cache")
	w.stateDir = filepath.Join(cacheHome, "credproc")
	if err := os.MkdirAll(filepath.Dir(w.config), 0o700); err != nil {
		w.close()
		return nil, err
	}
	// Only what credproc reads: nothing of the caller's AWS environment
	// (AWS_PROFILE, keys, endpoints) may leak in.
	w.baseEnv = []string{
		"HOME=" + w.home,
		"AWS_CONFIG_FILE=" + w.config,
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(w.home, ".aws", "credentials"),
		"XDG_CACHE_HOME=" + cacheHome,
		"CREDPROC_KEYRING_SERVICE=" + w.service,
		"AWS_ENDPOINT_URL_STS=" + w.srv.URL,
		"PATH=" + os.Getenv("PATH"),
		"DBUS_SESSION_BUS_ADDRESS=" + os.Getenv("DBUS_SESSION_BUS_ADDRESS"),
	}
	if v := os.Getenv("XDG_RUNTIME_DIR"); v != "" {
		w.baseEnv = append(w.baseEnv, "XDG_RUNTIME_DIR="+v)
	}
	return w, nil
}

// close stops the emulator and removes the temporary directory.
func (w *world) close() {
	if w.srv != nil {
		w.srv.Close()
	}
	if w.cfg.keep {
		fmt.Printf("kept %s\n", w.tmp)
		return
	}
	os.RemoveAll(w.tmp)
}

// moduleRoot is the directory of the credproc module the benchmark runs in.
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Path}} {{.Dir}}").Output()
	if err != nil {
		return "", fmt.Errorf("go list -m: %v (run the benchmark inside the credproc module)", err)
	}
	path, dir, _ := strings.Cut(strings.TrimSpace(string(out)), " ")
	if path != "github.com/credproc/credproc" {
		return "", fmt.Errorf("run the benchmark inside the credproc module (found module %q)", path)
	}
	return dir, nil
}

// helloSource is the baseline: the smallest Go program that writes to
// stdout, as credproc does.
const helloSource = `package main

import "fmt"

func main() { fmt.Println("hello, world") }
`

// build compiles credproc (as `go install` would: default flags) and the
// hello-world.
func (w *world) build(root string) error {
	bin := filepath.Join(w.tmp, "bin")
	hello := filepath.Join(w.tmp, "hello")
	for _, d := range []string{bin, hello} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	w.credproc = filepath.Join(bin, "credproc")
	w.hello = filepath.Join(bin, "hello")
	if err := os.WriteFile(filepath.Join(hello, "go.mod"), []byte("module hello\n\ngo 1.26\n"), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(hello, "main.go"), []byte(helloSource), 0o644); err != nil {
		return err
	}
	goBuild := func(dir, out string, env ...string) error {
		cmd := exec.Command("go", "build", "-o", out, ".")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), append([]string{"GOWORK=off"}, env...)...)
		if b, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("go build %s: %v\n%s", dir, err, b)
		}
		return nil
	}
	if err := goBuild(root, w.credproc, "CGO_ENABLED=0"); err != nil {
		return err
	}
	if err := goBuild(hello, w.hello); err != nil {
		return err
	}
	// What `go install` gives where a C compiler is installed: net links
	// the C resolver and the binary loads ld.so and libc at every start.
	if cc, err := exec.Command("go", "env", "CC").Output(); err == nil {
		if _, err := exec.LookPath(strings.TrimSpace(string(cc))); err == nil {
			w.cgoBuild = filepath.Join(bin, "credproc-cgo")
			if err := goBuild(root, w.cgoBuild, "CGO_ENABLED=1"); err != nil {
				return err
			}
		}
	}
	out, err := exec.Command("go", "env", "GOVERSION").Output()
	if err != nil {
		return fmt.Errorf("go env: %v", err)
	}
	w.goVersion = strings.TrimSpace(string(out))
	return nil
}

// env is the environment of a credproc run with CREDPROC_KEYRING=mode.
func (w *world) env(mode string, extra ...string) []string {
	e := append([]string{}, w.baseEnv...)
	if mode != "" {
		e = append(e, cache.KeyringEnv+"="+mode)
	}
	return append(e, extra...)
}

// credprocRun runs a credproc sub-command and returns its error with the
// output, for set-up steps whose timing does not matter.
func (w *world) credprocRun(mode string, extraEnv []string, args ...string) error {
	cmd := exec.Command(w.credproc, args...)
	cmd.Env = w.env(mode, extraEnv...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("credproc %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// addSource stores alice's key as source alice, as a user would with
// `credproc add alice`.
func (w *world) addSource(mode string) error {
	return w.credprocRun(mode, []string{"AWS_ACCESS_KEY_ID=" + w.akid, "AWS_SECRET_ACCESS_KEY=" + w.secret}, "add", sourceName, "--env")
}

// setupProfile runs `credproc setup` and returns the credential_process
// line it wrote, split as the AWS CLI splits it.
func (w *world) setupProfile(name string, args ...string) ([]string, error) {
	if err := w.credprocRun("", nil, append([]string{"setup", name, "--source", sourceName, "--region", region}, args...)...); err != nil {
		return nil, err
	}
	f, err := awsconfig.Load(w.config, awsconfig.Config)
	if err != nil {
		return nil, err
	}
	p, ok := f.Profile(name)
	if !ok {
		return nil, fmt.Errorf("setup wrote no profile %s", name)
	}
	argv, err := awsconfig.SplitCommand(p.Get("credential_process"))
	if err != nil || len(argv) < 2 {
		return nil, fmt.Errorf("profile %s: bad credential_process line %q: %v", name, p.Get("credential_process"), err)
	}
	return argv, nil
}

// mfaDevice gives alice a new virtual MFA device for one keyring mode and
// prepares the directory its --mfa-process reads: each mode has its own
// device, so the codes one mode uses up never collide with another's.
func (w *world) mfaDevice(mode string) (serial, dir string, err error) {
	serial, seed := w.srv.EnableMFA(mgmtAccount, "alice", "bench-"+mode)
	dir = filepath.Join(w.tmp, "mfa-"+mode)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", "", err
	}
	if err := os.WriteFile(filepath.Join(dir, "secret"), []byte(seed), 0o600); err != nil {
		return "", "", err
	}
	return serial, dir, w.setClockOffset(dir, 0)
}

// setClockOffset moves the emulator's clock to real time + d and tells the
// --mfa-process helper in dir, so it prints the code for that clock.
func (w *world) setClockOffset(dir string, d time.Duration) error {
	w.offset.Store(int64(d))
	return os.WriteFile(filepath.Join(dir, "offset"), []byte(strconv.FormatInt(int64(d), 10)), 0o600)
}

// mfaCode is the --mfa-process helper: `bench mfa-code DIR` prints the TOTP
// code of DIR/secret for the emulator's clock (real time + DIR/offset) and
// appends a byte to DIR/count, so the benchmark can count the codes asked
// for across processes.
func mfaCode(args []string) int {
	if len(args) != 1 {
		fmt.Fprintln(os.Stderr, "usage: bench mfa-code DIR")
		return 2
	}
	dir := args[0]
	seed, err := os.ReadFile(filepath.Join(dir, "secret"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	b, err := os.ReadFile(filepath.Join(dir, "offset"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	off, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	code, err := totp.Code(string(seed), time.Now().Add(time.Duration(off)))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	// O_APPEND writes of one byte are atomic, so concurrent helpers count
	// exactly.
	f, err := os.OpenFile(filepath.Join(dir, "count"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	_, err = f.Write([]byte{'.'})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println(code)
	return 0
}

// mfaCount is how many codes the helper in dir has printed.
func mfaCount(dir string) int {
	fi, err := os.Stat(filepath.Join(dir, "count"))
	if err != nil {
		return 0
	}
	return int(fi.Size())
}

// checkKeyring fails clearly when there is no keyring to measure, or when
// it is the user's own and -own-keyring was not given.
func checkKeyring(cfg *config) error {
	if runtime.GOOS == "linux" && os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		return errNoKeyring
	}
	// .ci/with-keyring marks its private session so; anything else is a
	// keyring someone uses.
	if os.Getenv("CREDPROC_IN_KEYRING_SESSION") == "" && !cfg.ownKeyring {
		return fmt.Errorf("%w\n  (this session has a Secret Service, but not .ci/with-keyring's throw-away one; "+
			"pass -own-keyring to write %d items into it anyway)", errNoKeyring, cfg.profiles)
	}
	var id [6]byte
	rand.Read(id[:])
	_, err := cache.NewSystemService("credproc-bench-probe-" + hex.EncodeToString(id[:])).Get("probe")
	if err != nil && !errors.Is(err, cache.ErrNotFound) {
		return fmt.Errorf("%w\n  (the keyring said: %v)", errNoKeyring, err)
	}
	return nil
}

// kernelDescriptions returns the descriptions of the keys in /proc/keys
// (those this process may view) that start with prefix: what the kernel
// tier of this run's keyring service holds, for the final clean-up check.
func kernelDescriptions(prefix string) []string {
	b, err := os.ReadFile("/proc/keys")
	if err != nil {
		return nil
	}
	var out []string
	for line := range strings.Lines(string(b)) {
		// ID FLAGS USAGE TIMEOUT PERM UID GID TYPE DESCRIPTION: SUMMARY
		f := strings.Fields(line)
		if len(f) < 9 || f[7] != "user" {
			continue
		}
		desc, _, _ := strings.Cut(strings.Join(f[8:], " "), ": ")
		if strings.HasPrefix(desc, prefix) {
			out = append(out, desc)
		}
	}
	return out
}

// keyQuota is this user's kernel key usage and quota from /proc/key-users:
// keys used/allowed and bytes used/allowed.
type keyQuota struct{ keys, maxKeys, bytes, maxBytes int }

func kernelQuota() (keyQuota, bool) {
	b, err := os.ReadFile("/proc/key-users")
	if err != nil {
		return keyQuota{}, false
	}
	uid := strconv.Itoa(os.Getuid()) + ":"
	for line := range strings.Lines(string(b)) {
		// UID: USAGE NKEYS/NIKEYS QNKEYS/MAXKEYS QNBYTES/MAXBYTES
		f := strings.Fields(line)
		if len(f) < 5 || f[0] != uid {
			continue
		}
		var q keyQuota
		_, err1 := fmt.Sscanf(f[3], "%d/%d", &q.keys, &q.maxKeys)
		_, err2 := fmt.Sscanf(f[4], "%d/%d", &q.bytes, &q.maxBytes)
		return q, err1 == nil && err2 == nil
	}
	return keyQuota{}, false
}

// userQuota is the kernel key quota of a user other than root.
func userQuota() (maxKeys, maxBytes int) {
	read := func(name string) int {
		b, err := os.ReadFile("/proc/sys/kernel/keys/" + name)
		if err != nil {
			return 0
		}
		n, _ := strconv.Atoi(strings.TrimSpace(string(b)))
		return n
	}
	return read("maxkeys"), read("maxbytes")
}

// loadAvg is the 1, 5 and 15 minute load average, to judge the noise.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "n/a"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "n/a"
	}
	return strings.Join(f[:3], " ")
}
