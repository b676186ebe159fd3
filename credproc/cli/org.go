package cli

import (
	"bytes"

	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/diff"

	"github.com/credproc/credproc/cache"
	"github.com/credproc/credproc/credproc"
	"github.com/credproc/credproc/credproc/awsapi"
	"github.com/credproc/credproc/credproc/awsconfig"
)

// orgSetup is `setup --org`'s parsed command line.
type orgSetup struct {
	settings   credproc.Settings
	roleName   string
	prefix     string
	dryRun     bool
	flags      *flag.FlagSet // to see which flags were given
	positional []string
}

// Keys that `setup --org` records in the profiles it writes. The AWS CLI and
// SDKs ignore keys they do not know; re-runs use them to recognise their own
// profiles (and leave every other profile alone) and to follow an account
// whatever its profile is called.
const (
	keyManaged     = "credproc_managed"
	keyAccountID   = "credproc_account_id"
	keyAccountName = "credproc_account_name"
	managedByOrg   = "org"
)

// orgPrefixRe is what --prefix may be: the start of a profile name that is
// safe in shells, scripts and every SDK (and never looks like a flag).
// Compiled on first use: a package-level pattern would cost every
// credential_process call its compile time at start-up.
var orgPrefixRe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^([a-z0-9][a-z0-9._-]{0,31})?$`) })

// orgMaxListed bounds the accounts named in one summary line.
const orgMaxListed = 20

// orgAccount is one account of the organization as ListAccounts reports it.
type orgAccount struct {
	ID, Name string
	State    string // ACTIVE, SUSPENDED, PENDING_CLOSURE, ...
}

func (a orgAccount) active() bool { return a.State == "ACTIVE" }

// orgWrite is one profile the run writes: a new one or a credproc-managed
// one brought up to date.
type orgWrite struct {
	profile string
	account orgAccount
	own     bool // the source's own account: a plain profile, no role
}

// goneProfile is a credproc-managed profile whose account left the
// organization (state "") or is no longer active. It is reported, never
// deleted: scripts may still name it, and deleting is the user's call.
type goneProfile struct {
	profile, accountID, accountName, state string
}

// orgPlan is what `setup --org` does to the config file, decided from the
// accounts and the profiles already there, before any settings are
// rendered. It is a pure function of its inputs, so re-runs are
// deterministic.
type orgPlan struct {
	writes   []orgWrite    // by profile name
	gone     []goneProfile // by profile name
	skipped  []orgAccount  // not active and without a profile, by ID
	warnings []string      // name clashes with hand-written profiles, duplicates
	notices  []string      // renamed accounts
}

// planOrg decides the profile of every active account. existing are the
// config file's profiles in file order; credNames the profile names in the
// credentials file (which the AWS CLI merges into profiles of the same
// name, so a new profile must not take one); self is the account the source
// belongs to, which gets a plain profile.
//
// Naming: a credproc-managed profile (credproc_managed = org) keeps its name
// for as long as its account ID exists, even when the account is renamed:
// scripts and shell history use these names, and a rename must not break
// them. A new account gets prefix + its name in lower case with runs of
// other characters turned into one dash; when that name is taken (by any
// profile, by "default", or by an account earlier in account-ID order) the
// last four digits of the account ID are appended, then the whole ID.
func planOrg(accounts []orgAccount, existing []awsconfig.Profile, credNames map[string]bool, prefix, self string) orgPlan {
	var p orgPlan
	accounts = slices.Clone(accounts)
	slices.SortFunc(accounts, func(a, b orgAccount) int { return strings.Compare(a.ID, b.ID) })

	taken := map[string]bool{"default": true}
	handWritten := map[string]bool{}
	managed := map[string]awsconfig.Profile{} // account ID -> its profile
	var managedOrder []string                 // account IDs in file order
	for _, e := range existing {
		taken[e.Name] = true
		id := e.Keys[keyAccountID]
		if e.Keys[keyManaged] != managedByOrg || credproc.CheckAccountID(id) != nil {
			handWritten[e.Name] = true
			continue
		}
		if first, dup := managed[id]; dup {
			p.warnings = append(p.warnings, fmt.Sprintf("profile %s also names account %s; only profile %s is kept up to date", e.Name, id, first.Name))
			continue
		}
		managed[id] = e
		managedOrder = append(managedOrder, id)
	}
	for n := range credNames {
		taken[n] = true
	}

	inOrg := map[string]orgAccount{}
	for _, a := range accounts {
		inOrg[a.ID] = a
		if !a.active() {
			if _, ok := managed[a.ID]; !ok {
				p.skipped = append(p.skipped, a)
			}
			continue
		}
		if e, ok := managed[a.ID]; ok {
			if old := e.Keys[keyAccountName]; old != recordedName(a.Name) {
				p.notices = append(p.notices, fmt.Sprintf("account %s was renamed from %q to %q; its profile keeps the name %s (delete the profile and run again for a new name)", a.ID, old, a.Name, e.Name))
			}
			p.writes = append(p.writes, orgWrite{profile: e.Name, account: a, own: a.ID == self})
		}
	}
	// New accounts are named after every kept name is known, so a kept
	// profile always wins its name.
	for _, a := range accounts {
		if _, ok := managed[a.ID]; ok || !a.active() {
			continue
		}
		base, name := newProfileName(prefix, a, taken)
		taken[name] = true
		switch {
		case name == base:
		case handWritten[base]:
			p.warnings = append(p.warnings, fmt.Sprintf("profile %s exists and was not written by `setup --org`, so it stays as it is; account %s (%s) gets profile %s", base, a.Name, a.ID, name))
		case credNames[base]:
			p.warnings = append(p.warnings, fmt.Sprintf("profile %s exists in %s; account %s (%s) gets profile %s", base, awsconfig.CredentialsPath(), a.Name, a.ID, name))
		}
		p.writes = append(p.writes, orgWrite{profile: name, account: a, own: a.ID == self})
	}
	slices.SortFunc(p.writes, func(a, b orgWrite) int { return strings.Compare(a.profile, b.profile) })

	for _, id := range managedOrder {
		a, ok := inOrg[id]
		if ok && a.active() {
			continue
		}
		e := managed[id]
		g := goneProfile{profile: e.Name, accountID: id, accountName: e.Keys[keyAccountName]}
		if ok {
			g.accountName, g.state = a.Name, a.State
		}
		p.gone = append(p.gone, g)
	}
	slices.SortFunc(p.gone, func(a, b goneProfile) int { return strings.Compare(a.profile, b.profile) })
	return p
}

// newProfileName returns the base name for account a and the first free
// name of base, base-LAST4, base-ID, base-ID-2, ...
func newProfileName(prefix string, a orgAccount, taken map[string]bool) (base, name string) {
	s := orgSlug(a.Name)
	if s == "" {
		s = a.ID // a name with no letter or digit in ASCII
	}
	base = prefix + s
	for _, c := range []string{base, base + "-" + a.ID[len(a.ID)-4:], base + "-" + a.ID} {
		if !taken[c] {
			return base, c
		}
	}
	for i := 2; ; i++ {
		if c := fmt.Sprintf("%s-%s-%d", base, a.ID, i); !taken[c] {
			return base, c
		}
	}
}

// orgSlug makes an account name into a profile name: ASCII letters (lower
// case) and digits, every run of anything else one dash, none at the ends,
// at most 64 characters. Account names are free text ("Prod (EU) #2").
func orgSlug(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		} else {
			dash = true
		}
	}
	s := b.String()
	if len(s) > 64 {
		s = strings.TrimRight(s[:64], "-")
	}
	return s
}

// recordedName is an account name as it can be stored in the config file:
// every INI reader must read it back the same, so comment characters and
// quotes go and whitespace is collapsed.
func recordedName(name string) string {
	name = strings.Map(func(r rune) rune {
		if strings.ContainsRune("#;\"`", r) || r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, name)
	name = strings.Join(strings.Fields(name), " ")
	if len(name) >= 2 && name[0] == '\'' && name[len(name)-1] == '\'' {
		name = strings.TrimSpace(name[1 : len(name)-1])
	}
	if name == "" {
		return "-"
	}
	return name
}

// cmdSetupOrg writes a profile for every active account of the source's
// organization, in one atomic write of the config file.
func cmdSetupOrg(ctx context.Context, u *ui, o orgSetup) error {
	given := map[string]bool{}
	o.flags.Visit(func(f *flag.Flag) { given[f.Name] = true })
	switch {
	case len(o.positional) > 0:
		return usagef("setup --org takes no profile name (%q): the names come from the account names, see --prefix", o.positional[0])
	case given["account"]:
		return usagef("setup --org writes a profile for every account; --account is for one profile (drop --org)")
	case given["role-arn"]:
		return usagef("setup --org builds each account's role ARN from --role-name; --role-arn names a single role")
	case !orgPrefixRe().MatchString(o.prefix):
		return usagef("invalid prefix %q: use up to 32 lower-case letters, digits and ._- starting with a letter or digit", o.prefix)
	}
	if _, err := selfPath(); err != nil {
		return err
	}
	s := o.settings
	// Check everything that can be checked offline before the network (and
	// an MFA prompt): the role name, every setting, the config file.
	if _, err := credproc.RoleARN(s.Region, "000000000000", o.roleName); err != nil {
		return err
	}
	own := ownAccountSettings(s)
	if err := own.Validate(); err != nil {
		return err
	}
	if _, err := orgRoleSettings(s, "000000000000", o.roleName); err != nil {
		return err
	}
	path := awsconfig.ConfigPath()
	f, err := awsconfig.Load(path, awsconfig.Config)
	if err != nil {
		return &credproc.Error{Msg: err.Error(), Hint: "fix the AWS config file; credproc changed nothing", Err: err}
	}
	credsFile, _ := awsconfig.Load(awsconfig.CredentialsPath(), awsconfig.Credentials)

	r := newResolver(u)
	// The listing uses exactly the own-account profile's settings, so the
	// session (and MFA code) it gets is the one that profile and every role
	// profile then reuse from the cache.
	creds, err := r.Credentials(ctx, &own)
	if err != nil {
		return err
	}
	region := r.Region(&own)
	self, err := orgCallerAccount(ctx, creds, region, s.EndpointURL)
	if err != nil {
		return err
	}
	start := time.Now()
	accounts, partition, err := listOrgAccounts(ctx, creds, region, s.Source)
	if err != nil {
		return err
	}
	if partition != "" && partition != credproc.Partition(s.Region) {
		return &credproc.Error{
			Msg:  fmt.Sprintf("the organization is in partition %s, but the role ARNs would be in %s", partition, credproc.Partition(s.Region)),
			Hint: "give --region with a region of partition " + partition,
		}
	}
	u.infof("the organization has %d accounts (listed in %s)", len(accounts), time.Since(start).Round(time.Millisecond))

	var existing []awsconfig.Profile
	for _, n := range f.ProfileNames() {
		p, _ := f.Profile(n)
		existing = append(existing, p)
	}
	credNames := map[string]bool{}
	if credsFile != nil {
		for _, n := range credsFile.ProfileNames() {
			credNames[n] = true
		}
	}
	plan := planOrg(accounts, existing, credNames, o.prefix, self)

	ps := make([]profileWrite, 0, len(plan.writes))
	for _, w := range plan.writes {
		ps = append(ps, profileWrite{name: w.profile, extra: []awsconfig.KV{
			{Key: keyManaged, Value: managedByOrg},
			{Key: keyAccountID, Value: w.account.ID},
			{Key: keyAccountName, Value: recordedName(w.account.Name)},
		}})
		p := &ps[len(ps)-1]
		if w.own {
			p.settings = &own
		} else if p.settings, err = orgRoleSettings(s, w.account.ID, o.roleName); err != nil {
			return err
		}
		if p.line, err = processLine(p.settings); err != nil {
			return err
		}
	}

	before := f.Bytes()
	counts, err := applyProfiles(u, f, credsFile, ps)
	if err != nil {
		return err
	}
	for _, m := range plan.warnings {
		u.warnf("%s", m)
	}
	for _, m := range plan.notices {
		u.infof("%s", m)
	}
	for _, g := range plan.gone {
		why := "left the organization"
		if g.state != "" {
			why = "is " + g.state
		}
		u.warnf("account %s (%s) %s; its profile %s was kept: delete [profile %s] from %s when it is no longer needed", g.accountName, g.accountID, why, g.profile, g.profile, path)
	}
	if len(plan.skipped) > 0 {
		var names []string
		for _, a := range plan.skipped {
			names = append(names, fmt.Sprintf("%s (%s, %s)", a.Name, a.ID, a.State))
		}
		u.infof("skipped %s that %s not active: %s", orgPlural(len(names), "account"), orgIsAre(len(names)), orgListed(names))
	}
	if s.MFASerial != "" && !s.MFADirect && s.Duration > credproc.ChainedRoleLimit {
		u.warnf("role sessions assumed from an MFA session last at most 1h (AWS role chaining): the profiles will get 1h sessions; add --mfa-direct for %s", credproc.FormatDuration(s.Duration))
	}
	u.infof("%s", orgSummary(counts, plan.gone))

	if o.dryRun {
		u.stdout.Write(unifiedDiff(path, before, f.Bytes()))
		u.infof("dry run: nothing written to %s", path)
		return nil
	}
	if f.Changed() {
		if err := f.Save(); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
		u.infof("wrote %s", path)
	}
	// The source's own account is the one profile known to work now: its
	// session just listed the organization. A member's role may be missing
	// (an invited account) or deny the source.
	for _, w := range plan.writes {
		if w.own {
			u.infof("hint: try `aws sts get-caller-identity --profile %s`; a member profile that is denied needs its role: `credproc doctor --profile NAME` says why", w.profile)
			break
		}
	}
	return nil
}

// ownAccountSettings are the settings of the profile for the account the
// source belongs to (normally the management account): no role to assume,
// just the source's session, through MFA when a device is given. The
// role-only settings do not apply, and --mfa-direct has no role to send
// the code with, so that profile uses an MFA session.
func ownAccountSettings(s credproc.Settings) credproc.Settings {
	return credproc.Settings{
		Source:        s.Source,
		MFASerial:     s.MFASerial,
		MFAProcess:    s.MFAProcess,
		MFADuration:   s.MFADuration,
		Region:        s.Region,
		EndpointURL:   s.EndpointURL,
		RefreshWindow: s.RefreshWindow,
	}
}

// orgRoleSettings are the settings `credproc setup PROFILE --account ID`
// would write with the same flags.
func orgRoleSettings(s credproc.Settings, account, roleName string) (*credproc.Settings, error) {
	arn, err := credproc.RoleARN(s.Region, account, roleName)
	if err != nil {
		return nil, err
	}
	s.RoleARN = arn
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return &s, nil
}

// orgSummary is the closing line: what changed, and which accounts' profiles
// were kept although their accounts are gone.
func orgSummary(c applyCounts, gone []goneProfile) string {
	s := fmt.Sprintf("%s added, %d updated, %d unchanged", orgPlural(c.added, "profile"), c.updated, c.unchanged)
	if len(gone) == 0 {
		return s
	}
	var names []string
	inactive := false
	for _, g := range gone {
		if g.state == "" {
			names = append(names, fmt.Sprintf("%s (%s)", g.profile, g.accountID))
		} else {
			inactive = true
			names = append(names, fmt.Sprintf("%s (%s, %s)", g.profile, g.accountID, g.state))
		}
	}
	what := "left the organization"
	if inactive {
		what = "left the organization or are not active"
	}
	return fmt.Sprintf("%s; %s %s: %s", s, orgPlural(len(gone), "account"), what, orgListed(names))
}

func orgPlural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func orgIsAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}

// orgListed joins names for one line, eliding beyond orgMaxListed.
func orgListed(names []string) string {
	if len(names) > orgMaxListed {
		return strings.Join(names[:orgMaxListed], ", ") + fmt.Sprintf(" and %d more", len(names)-orgMaxListed)
	}
	return strings.Join(names, ", ")
}

// orgCallerAccount returns the account the credentials belong to.
func orgCallerAccount(ctx context.Context, c cache.Credentials, region, endpoint string) (string, error) {
	// --endpoint-url is the STS endpoint.
	out, err := credproc.STSClient(c, region, endpoint).GetCallerIdentity(ctx)
	if err != nil {
		return "", &credproc.Error{Msg: fmt.Sprintf("GetCallerIdentity: %s", orgAWSMessage(err)), Err: err}
	}
	return out.Account, nil
}

// listOrgAccounts returns every account of the organization (20 per page, the
// API's maximum) and the partition of their ARNs, if they show one.
func listOrgAccounts(ctx context.Context, c cache.Credentials, region, source string) ([]orgAccount, string, error) {
	client := awsapi.New(awsapi.Organizations, c, region)
	in := struct {
		MaxResults int
		NextToken  string `json:",omitempty"`
	}{MaxResults: 20}
	var out []orgAccount
	partition := ""
	for {
		var page struct {
			Accounts []struct {
				ID                       string `json:"Id"`
				Arn, Name, State, Status string
			}
			NextToken string
		}
		if err := client.JSON(ctx, "ListAccounts", in, &page); err != nil {
			return nil, "", explainOrg(err, source)
		}
		for _, a := range page.Accounts {
			acct := orgAccount{ID: a.ID, Name: a.Name, State: a.State}
			if acct.State == "" {
				acct.State = a.Status // State is new (2025); Status is what older endpoints send
			}
			if err := credproc.CheckAccountID(acct.ID); err != nil {
				return nil, "", fmt.Errorf("ListAccounts: %w", err)
			}
			if p, _, ok := strings.Cut(strings.TrimPrefix(a.Arn, "arn:"), ":"); ok && partition == "" {
				partition = p
			}
			out = append(out, acct)
		}
		if page.NextToken == "" {
			return out, partition, nil
		}
		// A repeated token would page forever.
		if page.NextToken == in.NextToken {
			return nil, "", errors.New("ListAccounts: AWS Organizations returned the same NextToken twice")
		}
		in.NextToken = page.NextToken
	}
}

// explainOrg turns an Organizations failure into what to do about it.
func explainOrg(err error, source string) error {
	code := credproc.ErrorCode(err)
	e := &credproc.Error{Err: err, Msg: "ListAccounts: " + orgAWSMessage(err)}
	switch code {
	case "AccessDeniedException":
		e.Msg = fmt.Sprintf("source %q may not list the organization's accounts (AccessDeniedException)", source)
		e.Hint = "use the key of an IAM user in the management account (or a delegated administrator account) allowed organizations:ListAccounts"
	case "AWSOrganizationsNotInUseException":
		e.Msg = fmt.Sprintf("the account of source %q is not in an organization (AWSOrganizationsNotInUseException)", source)
		e.Hint = "write single profiles with `credproc setup PROFILE --source NAME --account ID`"
	case "":
		var ne net.Error
		if errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) {
			e.Msg = fmt.Sprintf("ListAccounts: cannot reach AWS Organizations: %v", err)
			e.Hint = "check the network and any endpoint URL (AWS_ENDPOINT_URL_ORGANIZATIONS, AWS_ENDPOINT_URL)"
		}
	}
	return e
}

// orgAWSMessage is an AWS error as "message (Code)", or the error itself.
func orgAWSMessage(err error) string {
	if code := credproc.ErrorCode(err); code != "" {
		var api interface{ ErrorMessage() string }
		if errors.As(err, &api) {
			return fmt.Sprintf("%s (%s)", strings.TrimSpace(api.ErrorMessage()), code)
		}
		return code
	}
	return err.Error()
}

// unifiedDiff is the change from old to new of the file at path, as a
// unified diff with ---/+++ headers, or nothing when they are equal.
func unifiedDiff(path string, old, new []byte) []byte {
	d := diff.Diff(path, old, path, new)
	if _, rest, ok := bytes.Cut(d, []byte("\n")); ok && bytes.HasPrefix(d, []byte("diff ")) {
		return rest // the "diff a b" line belongs to a multi-file diff
	}
	return d
}
