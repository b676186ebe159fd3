package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/credproc/credproc/cache"
	"github.com/credproc/credproc/credproc"
	"github.com/credproc/credproc/internal/awsconfig"
)

// planOrg is planOrgWith without --roles, --ou and --name-template.
func planOrg(accounts []orgAccount, existing []awsconfig.Profile, credNames map[string]bool, prefix, self string) orgPlan {
	return planOrgWith(orgPlanInput{accounts: accounts, existing: existing, credNames: credNames, prefix: prefix, self: self})
}

func TestSlug(t *testing.T) {
	for in, want := range map[string]string{
		"Production":              "production",
		"Prod (EU) #2":            "prod-eu-2",
		"  --Sandbox__Team--  ":   "sandbox-team",
		"Log Archive":             "log-archive",
		"DevOps.Shared-Services":  "devops-shared-services",
		"本番":                      "",
		"Ünïcode Team":            "n-code-team",
		strings.Repeat("ab-", 40): strings.TrimRight(strings.Repeat("ab-", 22)[:64], "-"),
	} {
		if got := orgSlug(in); got != want {
			t.Errorf("orgSlug(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRecordedName(t *testing.T) {
	for in, want := range map[string]string{
		"Production":      "Production",
		"Team #1; Ops":    "Team 1 Ops",
		`"quoted"`:        "quoted",
		"'single'":        "single",
		"Bob's account":   "Bob's account",
		"  spaced   out ": "spaced out",
		"`tick":           "tick",
		"#":               "-",
	} {
		if got := recordedName(in); got != want {
			t.Errorf("recordedName(%q) = %q, want %q", in, got, want)
		}
	}
	// Every recorded name must be accepted by the config writer.
	f, err := awsconfig.Load(filepath.Join(t.TempDir(), "config"), awsconfig.Config)
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range []string{"Team #1", `"x"`, "a ;b", "\"\"\"", "`x`", " x ", "a\tb"} {
		if err := f.SetProfile("p", []awsconfig.KV{{Key: keyAccountName, Value: recordedName(in)}}, nil); err != nil {
			t.Errorf("recordedName(%q) = %q is rejected: %v", in, recordedName(in), err)
		}
	}
}

func TestNewProfileName(t *testing.T) {
	a := orgAccount{ID: "123456781234", Name: "Prod"}
	taken := map[string]bool{}
	check := func(wantBase, want string) {
		t.Helper()
		base, got := newProfileName("acme-", a, taken)
		if base != wantBase || got != want {
			t.Errorf("got %q, %q; want %q, %q", base, got, wantBase, want)
		}
		taken[got] = true
	}
	check("acme-prod", "acme-prod")
	check("acme-prod", "acme-prod-1234")
	check("acme-prod", "acme-prod-123456781234")
	check("acme-prod", "acme-prod-123456781234-2")
	check("acme-prod", "acme-prod-123456781234-3")
	a.Name = "本番"
	check("acme-123456781234", "acme-123456781234")
}

// orgProf is a config profile as awsconfig reports it.
func orgProf(name string, kv ...string) awsconfig.Profile {
	p := awsconfig.Profile{Name: name, Keys: map[string]string{}}
	for i := 0; i+1 < len(kv); i += 2 {
		p.Keys[kv[i]] = kv[i+1]
	}
	return p
}

func orgManagedProf(name, id, acctName string) awsconfig.Profile {
	return orgProf(name, "credential_process", "credproc --source mgmt", keyManaged, managedByOrg, keyAccountID, id, keyAccountName, acctName)
}

// orgPlanNames renders a plan's writes as "profile=id" strings, own account marked.
func orgPlanNames(p orgPlan) []string {
	var out []string
	for _, w := range p.writes {
		s := w.profile + "=" + w.account.ID
		if w.own {
			s += "(own)"
		}
		out = append(out, s)
	}
	return out
}

func TestPlanOrgFirstRun(t *testing.T) {
	accounts := []orgAccount{
		{"333333333333", "Prod", "ACTIVE"},
		{"111111111111", "Management", "ACTIVE"},
		{"222222222222", "Prod", "ACTIVE"}, // same name: lower ID wins the plain name
		{"444444444444", "Sandbox", "SUSPENDED"},
		{"555555555555", "Default", "ACTIVE"}, // [default] is never taken
		{"666666666666", "Shared", "ACTIVE"},  // hand-written [profile acme-shared] is in the way
		{"777777777777", "Creds", "ACTIVE"},   // [acme-creds] in the credentials file is in the way
	}
	existing := []awsconfig.Profile{orgProf("default", "region", "us-east-1"), orgProf("acme-shared", "region", "eu-west-1")}
	p := planOrg(accounts, existing, map[string]bool{"acme-creds": true}, "acme-", "111111111111")
	want := []string{
		"acme-creds-7777=777777777777",
		"acme-default=555555555555",
		"acme-management=111111111111(own)",
		"acme-prod=222222222222",
		"acme-prod-3333=333333333333",
		"acme-shared-6666=666666666666",
	}
	if got := orgPlanNames(p); !slices.Equal(got, want) {
		t.Errorf("writes:\n got %q\nwant %q", got, want)
	}
	if len(p.skipped) != 1 || p.skipped[0].ID != "444444444444" {
		t.Errorf("skipped = %v, want the suspended account", p.skipped)
	}
	if len(p.gone) != 0 || len(p.notices) != 0 {
		t.Errorf("gone = %v, notices = %v; want none", p.gone, p.notices)
	}
	if len(p.warnings) != 2 || !strings.Contains(p.warnings[0], "profile acme-shared exists and was not written by `setup --org`") ||
		!strings.Contains(p.warnings[1], "profile acme-creds exists in") {
		t.Errorf("warnings = %q", p.warnings)
	}

	// Without a prefix, an account called "Default" must not become [default].
	p = planOrg([]orgAccount{{"555555555555", "Default", "ACTIVE"}}, nil, nil, "", "")
	if got := orgPlanNames(p); !slices.Equal(got, []string{"default-5555=555555555555"}) {
		t.Errorf("writes = %q", got)
	}
}

func TestPlanOrgDeterministic(t *testing.T) {
	var accounts []orgAccount
	for i := range 300 {
		accounts = append(accounts, orgAccount{fmt.Sprintf("%012d", 100000000000+i*7919), fmt.Sprintf("Team %d", i%50), "ACTIVE"})
	}
	want := orgPlanNames(planOrg(accounts, nil, nil, "", ""))
	for range 5 {
		rand.Shuffle(len(accounts), func(i, j int) { accounts[i], accounts[j] = accounts[j], accounts[i] })
		if got := orgPlanNames(planOrg(accounts, nil, nil, "", "")); !slices.Equal(got, want) {
			t.Fatalf("the plan depends on the order ListAccounts returns")
		}
	}
	seen := map[string]bool{}
	for _, n := range want {
		name, _, _ := strings.Cut(n, "=")
		if seen[name] {
			t.Fatalf("profile name %s given twice", name)
		}
		seen[name] = true
	}
}

func TestPlanOrgRerun(t *testing.T) {
	existing := []awsconfig.Profile{
		orgManagedProf("mgmt", "111111111111", "Mgmt"),
		orgProf("handmade", "region", "eu-west-1"),
		orgManagedProf("prod", "222222222222", "Prod"),
		orgManagedProf("old", "333333333333", "Old"),
		orgManagedProf("frozen", "444444444444", "Frozen"),
		orgManagedProf("prod-copy", "222222222222", "Prod"), // someone copied a section
		orgProf("broken", keyManaged, managedByOrg, keyAccountID, "12"),
	}
	accounts := []orgAccount{
		{"111111111111", "Mgmt", "ACTIVE"},
		{"222222222222", "Production", "ACTIVE"}, // renamed
		{"444444444444", "Frozen", "SUSPENDED"},
		{"555555555555", "Prod", "ACTIVE"},     // new, the kept profile has the name
		{"666666666666", "Handmade", "ACTIVE"}, // new, a hand-written profile has the name
		{"777777777777", "Broken", "ACTIVE"},   // a profile with bad markers is not ours
	}
	p := planOrg(accounts, existing, nil, "", "111111111111")
	want := []string{"broken-7777=777777777777", "handmade-6666=666666666666", "mgmt=111111111111(own)", "prod=222222222222", "prod-5555=555555555555"}
	if got := orgPlanNames(p); !slices.Equal(got, want) {
		t.Errorf("writes:\n got %q\nwant %q", got, want)
	}
	wantGone := []goneProfile{{"frozen", "444444444444", "Frozen", "SUSPENDED", ""}, {"old", "333333333333", "Old", "", ""}}
	if !slices.Equal(p.gone, wantGone) {
		t.Errorf("gone = %v, want %v", p.gone, wantGone)
	}
	if len(p.notices) != 1 || !strings.Contains(p.notices[0], `account 222222222222 was renamed from "Prod" to "Production"; its profile keeps the name prod`) {
		t.Errorf("notices = %q", p.notices)
	}
	if len(p.warnings) != 3 || !strings.Contains(p.warnings[0], "profile prod-copy also names account 222222222222") {
		t.Errorf("warnings = %q", p.warnings)
	}
	if len(p.skipped) != 0 {
		t.Errorf("skipped = %v: a suspended account with a profile is reported as gone", p.skipped)
	}
}

func TestOrgSummary(t *testing.T) {
	c := applyCounts{added: 3, updated: 1, unchanged: 995}
	if got, want := orgSummary(c, nil, false), "3 profiles added, 1 updated, 995 unchanged"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	got := orgSummary(applyCounts{added: 1}, []goneProfile{{"old", "333333333333", "Old", "", ""}}, false)
	if want := "1 profile added, 0 updated, 0 unchanged; 1 account left the organization: old (333333333333)"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	got = orgSummary(c, []goneProfile{{"a", "333333333333", "A", "", ""}, {"b", "444444444444", "B", "SUSPENDED", ""}}, false)
	if want := "; 2 accounts left the organization or are not active: a (333333333333), b (444444444444, SUSPENDED)"; !strings.HasSuffix(got, want) {
		t.Errorf("got %q, want suffix %q", got, want)
	}
	var many []string
	for i := range 25 {
		many = append(many, fmt.Sprint(i))
	}
	if got := orgListed(many); !strings.HasSuffix(got, "19 and 5 more") {
		t.Errorf("listed = %q", got)
	}
}

// orgTestWrites renders profiles as cmdSetupOrg does.
func orgTestWrites(t *testing.T, s credproc.Settings, accounts ...orgAccount) []profileWrite {
	t.Helper()
	var ps []profileWrite
	for _, a := range accounts {
		rs, err := orgRoleSettings(s, a.ID, credproc.DefaultRoleName)
		if err != nil {
			t.Fatal(err)
		}
		line, err := processLine(rs)
		if err != nil {
			t.Fatal(err)
		}
		ps = append(ps, profileWrite{name: orgSlug(a.Name), settings: rs, line: line, extra: []awsconfig.KV{
			{Key: keyManaged, Value: managedByOrg}, {Key: keyAccountID, Value: a.ID}, {Key: keyAccountName, Value: a.Name},
		}})
	}
	return ps
}

func TestApplyOrgProfiles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config")
	hand := "[profile hand]\n# mine\nregion = eu-west-1\n"
	if err := os.WriteFile(path, []byte(hand), 0o600); err != nil {
		t.Fatal(err)
	}
	load := func() *awsconfig.File {
		f, err := awsconfig.Load(path, awsconfig.Config)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	var stderr bytes.Buffer
	u := &ui{stdout: &bytes.Buffer{}, stderr: &stderr}
	s := credproc.Settings{Source: "mgmt", Region: "eu-west-1", MFADuration: credproc.DefaultMFADuration, RefreshWindow: credproc.DefaultRefreshWindow}
	a, b := orgAccount{"222222222222", "Alpha", "ACTIVE"}, orgAccount{"333333333333", "Beta", "ACTIVE"}

	f := load()
	c, err := applyProfiles(u, f, nil, orgTestWrites(t, s, a, b))
	if err != nil || c != (applyCounts{added: 2}) {
		t.Fatalf("first run: %+v, %v", c, err)
	}
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	f = load()
	alpha, _ := f.Profile("alpha")
	if alpha.Keys["region"] != "eu-west-1" || alpha.Keys[keyAccountID] != a.ID || !strings.Contains(alpha.Keys["credential_process"], "--role-arn arn:aws:iam::222222222222:role/OrganizationAccountAccessRole --region eu-west-1") {
		t.Errorf("alpha = %v", alpha.Keys)
	}

	// Same settings: nothing changes, nothing to write.
	c, err = applyProfiles(u, f, nil, orgTestWrites(t, s, a, b))
	if err != nil || c != (applyCounts{unchanged: 2}) || f.Changed() {
		t.Fatalf("second run: %+v, %v, changed %v", c, err, f.Changed())
	}

	// Without --region the region credproc wrote goes with it; a region
	// the user added by hand to a managed profile stays.
	if err := f.SetProfile("beta", []awsconfig.KV{{Key: "region", Value: "ap-south-1"}}, nil); err != nil {
		t.Fatal(err)
	}
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	s.Region = ""
	f = load()
	c, err = applyProfiles(u, f, nil, orgTestWrites(t, s, a, b))
	if err != nil || c != (applyCounts{updated: 2}) {
		t.Fatalf("third run: %+v, %v", c, err)
	}
	alpha, _ = f.Profile("alpha")
	beta, _ := f.Profile("beta")
	if _, ok := alpha.Keys["region"]; ok || beta.Keys["region"] != "ap-south-1" {
		t.Errorf("alpha region %q, beta region %q", alpha.Keys["region"], beta.Keys["region"])
	}
	if !strings.HasPrefix(string(f.Bytes()), hand) {
		t.Errorf("the hand-written profile changed:\n%s", f.Bytes())
	}
	if stderr.Len() != 0 {
		t.Errorf("unexpected messages: %s", stderr.String())
	}
}

// TestSetupOrgBadInput: usage errors come before any network call or file
// write (no source is stored and no endpoint is reachable here).
func TestSetupOrgBadInput(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config")
	t.Setenv("AWS_CONFIG_FILE", cfg)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--org"}, "no source"},
		{[]string{"--org", "--source", "mgmt", "--account", "222222222222"}, "--account is for one profile"},
		{[]string{"--org", "--source", "mgmt", "--role-arn", "arn:aws:iam::222222222222:role/R"}, "--role-arn names a single role"},
		{[]string{"--org", "--source", "mgmt", "prod"}, `takes no profile name ("prod")`},
		{[]string{"--org", "--source", "mgmt", "--prefix", "Acme-"}, `invalid prefix "Acme-"`},
		{[]string{"--org", "--source", "mgmt", "--prefix", "-x"}, `invalid prefix "-x"`},
		{[]string{"--org", "--source", "mgmt", "--prefix", "a b"}, `invalid prefix "a b"`},
		{[]string{"--org", "--source", "mgmt", "--prefix", "a]"}, `invalid prefix "a]"`},
		{[]string{"--org", "--source", "mgmt", "--role-name", "a b"}, "invalid role name"},
		{[]string{"--org", "--source", "mgmt", "--duration", "13h"}, "invalid duration"},
		{[]string{"--org", "--source", "mgmt", "--mfa-process", "x"}, "--mfa-process needs --mfa-serial"},
		{[]string{"--org", "--source", "mgmt", "--region", "nowhere"}, "invalid region"},
		{[]string{"--prefix", "x", "--source", "mgmt", "p"}, "--prefix, --dry-run, --prune, --roles, --ou and --name-template go with --org"},
	} {
		var stdout, stderr bytes.Buffer
		u := &ui{stdout: &stdout, stderr: &stderr}
		err := run(context.Background(), u, append([]string{"setup"}, tc.args...))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("setup %q: got %v, want an error with %q", tc.args, err, tc.want)
		}
		if stdout.Len() != 0 {
			t.Errorf("setup %q printed %q on stdout", tc.args, stdout.String())
		}
		if _, err := os.Stat(cfg); !os.IsNotExist(err) {
			t.Fatalf("setup %q wrote the config file", tc.args)
		}
	}

	// A config file that cannot be read safely stops the run before the network.
	os.WriteFile(cfg, []byte("[profile x\n"), 0o600)
	err := run(context.Background(), &ui{stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}}, []string{"setup", "--org", "--source", "mgmt"})
	if err == nil || credproc.Hint(err) != "fix the AWS config file; credproc changed nothing" {
		t.Errorf("broken config: got %v", err)
	}
}

func TestOwnAccountSettings(t *testing.T) {
	s := credproc.Settings{Source: "mgmt", RoleARN: "arn:aws:iam::222222222222:role/R", SessionName: "me", ExternalID: "ext",
		Duration: 2 * time.Hour, Policy: "{}", MFASerial: "arn:aws:iam::111111111111:mfa/alice", MFAProcess: "ykman", MFADuration: 8 * time.Hour,
		MFADirect: true, Region: "eu-west-1", EndpointURL: "https://sts.example", RefreshWindow: 10 * time.Minute}
	got := ownAccountSettings(s)
	want := credproc.Settings{Source: "mgmt", MFASerial: s.MFASerial, MFAProcess: "ykman", MFADuration: s.MFADuration,
		Region: "eu-west-1", EndpointURL: "https://sts.example", RefreshWindow: s.RefreshWindow}
	if got != want {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	if err := got.Validate(); err != nil {
		t.Errorf("the own-account settings are invalid: %v", err)
	}
}

// TestListOrgAccountsPages: the accounts are read page by page with
// NextToken, State or else Status is the state, and a token AWS repeats
// ends the listing with an error instead of a loop.
func TestListOrgAccountsPages(t *testing.T) {
	var pages map[string]string // by the request's NextToken
	var maxResults []int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			MaxResults int
			NextToken  string
		}
		json.NewDecoder(r.Body).Decode(&in)
		maxResults = append(maxResults, in.MaxResults)
		if r.Header.Get("X-Amz-Target") != "AWSOrganizationsV20161128.ListAccounts" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		io.WriteString(w, pages[in.NextToken])
	}))
	defer srv.Close()
	t.Setenv("AWS_ENDPOINT_URL_ORGANIZATIONS", srv.URL)
	creds := cache.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "secret"}

	acct := func(id, name, state, status string) string {
		return fmt.Sprintf(`{"Id":%q,"Arn":"arn:aws-us-gov:organizations::111111111111:account/o-x/%s","Name":%q,"State":%q,"Status":%q}`, id, id, name, state, status)
	}
	pages = map[string]string{
		"":   `{"Accounts":[` + acct("111111111111", "Mgmt", "ACTIVE", "ACTIVE") + `],"NextToken":"t1"}`,
		"t1": `{"Accounts":[` + acct("222222222222", "Old", "", "SUSPENDED") + `,` + acct("333333333333", "New", "PENDING_CLOSURE", "ACTIVE") + `]}`,
	}
	got, partition, err := listOrgAccounts(t.Context(), creds, "us-gov-west-1", "mgmt")
	want := []orgAccount{{"111111111111", "Mgmt", "ACTIVE"}, {"222222222222", "Old", "SUSPENDED"}, {"333333333333", "New", "PENDING_CLOSURE"}}
	if err != nil || partition != "aws-us-gov" || !slices.Equal(got, want) || !slices.Equal(maxResults, []int{20, 20}) {
		t.Fatalf("got %v, %q, %v (MaxResults %v)", got, partition, err, maxResults)
	}

	pages["t1"] = `{"Accounts":[],"NextToken":"t1"}`
	if _, _, err := listOrgAccounts(t.Context(), creds, "us-gov-west-1", "mgmt"); err == nil || !strings.Contains(err.Error(), "same NextToken") {
		t.Errorf("repeated token: %v", err)
	}
	pages["t1"] = `{"Accounts":[` + acct("12345", "Bad", "ACTIVE", "ACTIVE") + `]}`
	if _, _, err := listOrgAccounts(t.Context(), creds, "us-gov-west-1", "mgmt"); err == nil || !strings.HasPrefix(err.Error(), "ListAccounts: ") {
		t.Errorf("bad account ID: %v", err)
	}
}

// TestOrgCallerAccountExplained: setup --org's identity call is explained by
// credproc's one table, naming STS and the endpoint it could not reach.
func TestOrgCallerAccountExplained(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	t.Setenv("AWS_MAX_ATTEMPTS", "1")
	_, err = orgCallerAccount(t.Context(), cache.Credentials{AccessKeyID: "AKIAEXAMPLE", SecretAccessKey: "s"}, "us-east-1", "http://"+addr, "mgmt")
	if err == nil || !strings.HasPrefix(err.Error(), "GetCallerIdentity: cannot reach STS at "+addr+": ") ||
		!strings.Contains(credproc.Hint(err), "--endpoint-url") {
		t.Errorf("got %v (hint %q)", err, credproc.Hint(err))
	}
}
