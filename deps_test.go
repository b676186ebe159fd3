package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
)

// The dependency guard, in the spirit of tailscale's depaware: every
// non-standard package linked into the credproc binary must be covered by
// an entry below that says why it is worth its start-up time and size. The
// AWS CLI starts credproc for every command, so whatever a dependency does
// in its init functions is paid on every cache hit.
//
// Keys are import path prefixes: an entry covers the package itself and
// everything below it ("a/b" covers "a/b/c", not "a/bc").

// depsAllowed are the decisions taken, one line each.
var depsAllowed = map[string]string{
	"github.com/credproc/credproc": "credproc's own packages (but see depsForbidden)",

	"github.com/zalando/go-keyring":        "the OS keyring: Secret Service, Keychain (via /usr/bin/security), Credential Manager",
	"github.com/godbus/dbus/v5":            "go-keyring's Secret Service client (D-Bus) on Linux",
	"github.com/danieljoos/wincred":        "go-keyring's Windows Credential Manager binding",
	"golang.org/x/sys":                     "syscalls the standard library lacks: keyctl (kernel keyring tier), flock, Windows console and credentials",
	"github.com/gofrs/flock":               "per-key cross-process lock: concurrent invocations share one STS call chain and one MFA prompt",
	"golang.org/x/term":                    "reads the MFA code on the terminal without echo",
	"github.com/rogpeppe/go-internal/diff": "setup --org --dry-run's unified diff (already a dependency, for testscript); no init work",
	"gopkg.in/ini.v1":                      "second INI reader that cross-checks credproc's AWS config parser, so setup never writes a file the SDKs read differently",

	// Measured (`GODEBUG=inittrace=1 credproc version`, 30 runs on a loaded
	// 2-core VM): the packages below add 0.28–0.45 ms of package init, about
	// 6% of it, most of it age's own init compiling one regexp.
	"filippo.io/age":      "encrypts source keys in the file store where no Secret Service runs (SSH, WSL, containers): X25519 items, scrypt-protected identity; no home-made crypto",
	"filippo.io/hpke":     "linked by age (its hybrid post-quantum recipients); credproc does not use it",
	"golang.org/x/crypto": "age's ChaCha20-Poly1305, X25519, HKDF and scrypt",

	// The AWS layer. The cache hit reads no file and calls none of it; its
	// package init is what every run pays (see README, Performance).
	"github.com/aws/aws-sdk-go-v2/aws":              "aws.Config, the SDK's signer (aws/signer/v4), standard retryer and HTTP client every AWS call rides on",
	"github.com/aws/aws-sdk-go-v2/config":           "loads settings and credentials exactly as the AWS CLI documents them (CA bundle, FIPS, dual-stack, retries, endpoints, proxy)",
	"github.com/aws/aws-sdk-go-v2/credentials":      "source profiles through the SDK's own chain: static, process, SSO, login_session, web identity, credential_source, role chains",
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds": "credential_source = Ec2InstanceMetadata (a bastion host's instance role as a source), linked by config",
	"github.com/aws/aws-sdk-go-v2/service/sts":      "AssumeRole, GetSessionToken, GetCallerIdentity and the endpoint rules of every partition (FIPS, dual-stack, global)",
	"github.com/aws/aws-sdk-go-v2/service/sso":      "IAM Identity Center sources: the portal's GetRoleCredentials, linked by config",
	"github.com/aws/aws-sdk-go-v2/service/ssooidc":  "IAM Identity Center sources: refreshing the SSO token, linked by config",
	"github.com/aws/aws-sdk-go-v2/service/signin":   "login_session sources, linked by config; its endpoint rules give the console's sign-in host of every partition",
	"github.com/aws/aws-sdk-go-v2/service/internal": "middleware (accept-encoding, presigned URLs) the STS client installs",
	"github.com/aws/aws-sdk-go-v2/internal":         "the SDK's internals: endpoint rules and partition data, config sources, SigV4a",
	"github.com/aws/smithy-go":                      "the SDK's runtime: middleware, endpoints, protocols, smithy.APIError",
}

// depsForbidden are packages that must never be linked, whatever
// depsAllowed says: each was considered and rejected.
var depsForbidden = map[string]string{
	"github.com/spf13/cobra":                        "the flag package is enough; a CLI framework adds init time and size to every cache hit",
	"github.com/urfave/cli":                         "the flag package is enough; a CLI framework adds init time and size to every cache hit",
	"github.com/credproc/credproc/internal/awstest": "the AWS emulator is for tests only (an HTTP server): it must never ship",

	// Measured with GODEBUG=inittrace=1 (credproc built with and without
	// them): iam/schemas and organizations/schemas alone cost package init
	// on every run, the cache hit included, for init-role, doctor's policy
	// simulation and setup --org, which run once a month. internal/awsapi
	// builds those few calls on the aws.Config the SDK resolved (its
	// signer, retryer, HTTP client) instead.
	"github.com/aws/aws-sdk-go-v2/service/iam": "init-role and doctor call IAM through internal/awsapi on the SDK's signer and retryer; " +
		"the generated client's schemas package adds package init to every run",
	"github.com/aws/aws-sdk-go-v2/service/organizations": "setup --org calls Organizations through internal/awsapi on the SDK's signer and retryer; " +
		"the generated client's schemas package adds package init to every run",

	// Schema-based serde (sts v1.52.0, sso v1.39.0, ssooidc v1.44.0,
	// signin v1.12.0 and the config release that requires them) adds a
	// schemas package to each client config links. Measured on credproc
	// version, the same build with and without them: 1.9 ms of the 9.9 ms of
	// package init (GODEBUG=inittrace=1) and about 110 of 600 page faults
	// (perf stat), on every run. go.mod keeps the releases before it.
	"github.com/aws/aws-sdk-go-v2/service/sts/schemas":     schemasWhy,
	"github.com/aws/aws-sdk-go-v2/service/sso/schemas":     schemasWhy,
	"github.com/aws/aws-sdk-go-v2/service/ssooidc/schemas": schemasWhy,
	"github.com/aws/aws-sdk-go-v2/service/signin/schemas":  schemasWhy,
}

const schemasWhy = "schema-based serde's generated schemas cost about 2 ms of package init on every run, the cache hit included: " +
	"keep config, credentials and these clients at the releases before it (see go.mod and README.md, Performance)"

// depsPlatforms are the platforms .ci/run cross-builds: a dependency may be
// linked on one only (wincred on Windows, godbus on Linux).
var depsPlatforms = []string{"linux/amd64", "linux/arm64", "darwin/arm64", "darwin/amd64", "windows/amd64"}

// depsPackage is one package of `go list -deps`.
type depsPackage struct {
	path     string
	standard bool
	imports  []string
}

// depsList lists the packages linked into the binary on goos/goarch, in
// `go list -deps` order (dependencies first, the main package last).
func depsList(t *testing.T, goos, goarch string) []depsPackage {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}\t{{.Standard}}\t{{join .Imports \" \"}}", ".")
	cmd.Env = append(os.Environ(), "GOOS="+goos, "GOARCH="+goarch)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps (GOOS=%s GOARCH=%s): %v\n%s", goos, goarch, err, stderr.Bytes())
	}
	var pkgs []depsPackage
	for line := range strings.Lines(string(out)) {
		f := strings.Split(strings.TrimRight(line, "\n"), "\t")
		if len(f) != 3 {
			t.Fatalf("unexpected go list line %q", line)
		}
		pkgs = append(pkgs, depsPackage{path: f[0], standard: f[1] == "true", imports: strings.Fields(f[2])})
	}
	if len(pkgs) == 0 {
		t.Fatalf("go list -deps listed nothing")
	}
	return pkgs
}

// depsMatch returns the entry of m covering path, or "".
func depsMatch(m map[string]string, path string) string {
	best := ""
	for prefix := range m {
		if (path == prefix || strings.HasPrefix(path, prefix+"/")) && len(prefix) > len(best) {
			best = prefix
		}
	}
	return best
}

// depsChain is the import path from the main package to target, to show
// who links it.
func depsChain(pkgs []depsPackage, target string) string {
	imports := map[string][]string{}
	for _, p := range pkgs {
		imports[p.path] = p.imports
	}
	root := pkgs[len(pkgs)-1].path
	prev := map[string]string{root: ""}
	queue := []string{root}
	for len(queue) > 0 && prev[target] == "" && target != root {
		p := queue[0]
		queue = queue[1:]
		for _, q := range imports[p] {
			if _, seen := prev[q]; !seen {
				prev[q] = p
				queue = append(queue, q)
			}
		}
	}
	var chain []string
	for p := target; p != ""; p = prev[p] {
		chain = append(chain, p)
	}
	slices.Reverse(chain)
	return strings.Join(chain, " → ")
}

func TestDependencies(t *testing.T) {
	var mu sync.Mutex
	used := map[string]bool{}
	t.Run("platform", func(t *testing.T) {
		for _, platform := range depsPlatforms {
			goos, goarch, _ := strings.Cut(platform, "/")
			t.Run(goos+"_"+goarch, func(t *testing.T) {
				t.Parallel()
				pkgs := depsList(t, goos, goarch)
				var undecided, forbidden []string
				for _, p := range pkgs {
					if p.standard {
						continue
					}
					if f := depsMatch(depsForbidden, p.path); f != "" {
						forbidden = append(forbidden, fmt.Sprintf("%s (forbidden: %s)\n\t\tlinked via %s", p.path, depsForbidden[f], depsChain(pkgs, p.path)))
						continue
					}
					a := depsMatch(depsAllowed, p.path)
					if a == "" {
						undecided = append(undecided, fmt.Sprintf("%s\n\t\tlinked via %s", p.path, depsChain(pkgs, p.path)))
						continue
					}
					mu.Lock()
					used[a] = true
					mu.Unlock()
				}
				if len(forbidden) > 0 {
					t.Errorf("%s: forbidden packages linked into credproc; drop them:\n\t%s", platform, strings.Join(forbidden, "\n\t"))
				}
				if len(undecided) > 0 {
					t.Errorf("%s: linked without a decision: add it to the allowlist (depsAllowed in deps_test.go) with a reason or drop it:\n\t%s",
						platform, strings.Join(undecided, "\n\t"))
				}
			})
		}
	})
	if t.Failed() {
		return
	}
	// An entry nothing needs any more is a decision nobody is taking: keep
	// the list the true picture of what ships.
	for prefix := range depsAllowed {
		if !used[prefix] {
			t.Errorf("allowlist entry %q covers nothing credproc links on %v: remove it from depsAllowed", prefix, depsPlatforms)
		}
	}
}

// TestReadmeBuildsStatic: every command README.md gives for building or
// installing credproc sets CGO_ENABLED=0. With cgo, net links the C
// resolver and every cache hit first loads ld.so and libc (0.7-0.9 ms,
// `go run ./bench` measures it).
func TestReadmeBuildsStatic(t *testing.T) {
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	goBuild := regexp.MustCompile(`\bgo (install|build)\b`)
	builds := 0
	for line := range strings.Lines(string(b)) {
		// Commands joined with && or ;, and alternatives after a #.
		for _, cmd := range regexp.MustCompile(`&&|;|#`).Split(line, -1) {
			if !goBuild.MatchString(cmd) {
				continue
			}
			builds++
			if !strings.Contains(cmd, "CGO_ENABLED=0") {
				t.Errorf("README.md builds credproc without CGO_ENABLED=0: %s", strings.TrimSpace(cmd))
			}
		}
	}
	if builds == 0 {
		t.Error("README.md gives no command that builds credproc")
	}
}
