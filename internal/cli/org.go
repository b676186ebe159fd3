package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/credproc/credproc/cache"
	"github.com/credproc/credproc/credproc"
	"github.com/credproc/credproc/internal/awsapi"
	"github.com/credproc/credproc/internal/awsconfig"
	"github.com/credproc/credproc/internal/fanout"
)

// orgSetup is `setup --org`'s parsed command line.
type orgSetup struct {
	settings   credproc.Settings
	roleName   string
	prefix     string
	dryRun     bool
	flags      *flag.FlagSet // to see which flags were given
	positional []string
	scale      *orgScale // --prune, --roles, --ou, --name-template
}

// Keys that `setup --org` records in the profiles it writes. The AWS CLI and
// SDKs ignore keys they do not know; re-runs use them to recognise their own
// profiles (and leave every other profile alone) and to follow an account
// whatever its profile is called.
const (
	keyManaged     = "credproc_managed"
	keyAccountID   = "credproc_account_id"
	keyAccountName = "credproc_account_name"
	keyRole        = "credproc_role" // with --roles: the role the profile assumes
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
	own     bool   // the source's own account: a plain profile, no role
	role    string // with --roles: the role; "" for --role-name
}

// goneProfile is a credproc-managed profile whose account left the
// organization (state "") or is no longer active. It is reported, never
// deleted: scripts may still name it, and deleting is the user's call.
type goneProfile struct {
	profile, accountID, accountName, state string
	role                                   string // credproc_role, if any
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

// orgPlanInput is what planOrgWith decides from. roles (--roles) gives
// each account one profile per role, recorded with credproc_role; inScope
// (--ou), when non-nil, limits the profiles written to those accounts
// (the others are neither written nor gone); name, when non-nil, makes a
// new profile's base name (--name-template).
type orgPlanInput struct {
	accounts  []orgAccount
	existing  []awsconfig.Profile
	credNames map[string]bool
	prefix    string
	self      string
	roles     []string
	inScope   map[string]bool
	name      func(a orgAccount, role string) string
}

// planOrgWith decides the profile of every active account. in.existing are
// the config file's profiles in file order; in.credNames the profile names in the
// credentials file (which the AWS CLI merges into profiles of the same
// name, so a new profile must not take one); in.self is the account the source
// belongs to, which gets a plain profile.
//
// Naming: a credproc-managed profile (credproc_managed = org) keeps its name
// for as long as its account ID exists, even when the account is renamed:
// scripts and shell history use these names, and a rename must not break
// them. A new account gets in.prefix + its name in lower case with runs of
// other characters turned into one dash; when that name is taken (by any
// profile, by "default", or by an account earlier in account-ID order) the
// last four digits of the account ID are appended, then the whole ID.
func planOrgWith(in orgPlanInput) orgPlan {
	accounts, existing, credNames, prefix, self := in.accounts, in.existing, in.credNames, in.prefix, in.self
	roles := in.roles
	if len(roles) == 0 {
		roles = []string{""}
	}
	var p orgPlan
	accounts = slices.Clone(accounts)
	slices.SortFunc(accounts, func(a, b orgAccount) int { return strings.Compare(a.ID, b.ID) })

	taken := map[string]bool{"default": true}
	handWritten := map[string]bool{}
	managed := map[string]awsconfig.Profile{} // orgTarget(account ID, role) -> its profile
	var managedOrder []string                 // targets in file order
	for _, e := range existing {
		taken[e.Name] = true
		id := e.Keys[keyAccountID]
		if e.Keys[keyManaged] != managedByOrg || credproc.CheckAccountID(id) != nil {
			handWritten[e.Name] = true
			continue
		}
		t := orgTarget(id, e.Keys[keyRole])
		if first, dup := managed[t]; dup {
			p.warnings = append(p.warnings, fmt.Sprintf("profile %s also names account %s; only profile %s is kept up to date", e.Name, id, first.Name))
			continue
		}
		managed[t] = e
		managedOrder = append(managedOrder, t)
	}
	// The source's own account has one plain profile, whatever the roles.
	rolesOf := func(id string) []string {
		if id == self {
			return []string{""}
		}
		return roles
	}
	inScope := func(id string) bool { return in.inScope == nil || in.inScope[id] }
	for n := range credNames {
		taken[n] = true
	}

	inOrg := map[string]orgAccount{}
	for _, a := range accounts {
		inOrg[a.ID] = a
		if !a.active() {
			if !slices.ContainsFunc(roles, func(r string) bool { _, ok := managed[orgTarget(a.ID, r)]; return ok }) && inScope(a.ID) {
				p.skipped = append(p.skipped, a)
			}
			continue
		}
		if !inScope(a.ID) {
			continue
		}
		for _, r := range rolesOf(a.ID) {
			if e, ok := managed[orgTarget(a.ID, r)]; ok {
				if old := e.Keys[keyAccountName]; old != recordedName(a.Name) {
					p.notices = append(p.notices, fmt.Sprintf("account %s was renamed from %q to %q; its profile keeps the name %s (delete the profile and run again for a new name)", a.ID, old, a.Name, e.Name))
				}
				p.writes = append(p.writes, orgWrite{profile: e.Name, account: a, own: a.ID == self, role: r})
			}
		}
	}
	// New accounts are named after every kept name is known, so a kept
	// profile always wins its name.
	for _, a := range accounts {
		if !a.active() || !inScope(a.ID) {
			continue
		}
		for _, r := range rolesOf(a.ID) {
			if _, ok := managed[orgTarget(a.ID, r)]; ok {
				continue
			}
			var base, name string
			if in.name != nil {
				base, name = freeProfileName(prefix+in.name(a, r), a, taken)
			} else {
				base, name = newProfileName(prefix, a, taken)
				if r != "" {
					base, name = freeProfileName(base+"-"+orgSlug(r), a, taken)
				}
			}
			taken[name] = true
			switch {
			case name == base:
			case handWritten[base]:
				p.warnings = append(p.warnings, fmt.Sprintf("profile %s exists and was not written by `setup --org`, so it stays as it is; account %s (%s) gets profile %s", base, a.Name, a.ID, name))
			case credNames[base]:
				p.warnings = append(p.warnings, fmt.Sprintf("profile %s exists in %s; account %s (%s) gets profile %s", base, awsconfig.CredentialsPath(), a.Name, a.ID, name))
			}
			p.writes = append(p.writes, orgWrite{profile: name, account: a, own: a.ID == self, role: r})
		}
	}
	slices.SortFunc(p.writes, func(a, b orgWrite) int { return strings.Compare(a.profile, b.profile) })

	for _, t := range managedOrder {
		e := managed[t]
		id := e.Keys[keyAccountID]
		a, ok := inOrg[id]
		if ok && a.active() {
			continue
		}
		g := goneProfile{profile: e.Name, accountID: id, accountName: e.Keys[keyAccountName], role: e.Keys[keyRole]}
		if ok {
			g.accountName, g.state = a.Name, a.State
		}
		p.gone = append(p.gone, g)
	}
	slices.SortFunc(p.gone, func(a, b goneProfile) int { return strings.Compare(a.profile, b.profile) })
	return p
}

// orgTarget is the key of one profile `setup --org` keeps: an account and,
// with --roles, a role.
func orgTarget(id, role string) string { return id + "/" + role }

// newProfileName returns the base name for account a and the first free
// name of base, base-LAST4, base-ID, base-ID-2, ...
func newProfileName(prefix string, a orgAccount, taken map[string]bool) (base, name string) {
	s := orgSlug(a.Name)
	if s == "" {
		s = a.ID // a name with no letter or digit in ASCII
	}
	return freeProfileName(prefix+s, a, taken)
}

// freeProfileName returns base and the first free name of base,
// base-LAST4, base-ID, base-ID-2, ...
func freeProfileName(base string, a orgAccount, taken map[string]bool) (string, string) {
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

// recordedName is an account name as it can be stored in the config file
// (awsconfig.SafeText: every reader reads it back the same).
func recordedName(name string) string { return awsconfig.SafeText(name) }

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
	if o.scale == nil {
		o.scale = &orgScale{}
	}
	// Check everything that can be checked offline before the network (and
	// an MFA prompt): the role name, every setting, the config file.
	if _, err := credproc.RoleARN(s.Region, "000000000000", o.roleName); err != nil {
		return err
	}
	roles, err := o.scale.roleList(s.Region)
	if err != nil {
		return err
	}
	if len(roles) > 0 && given["role-name"] {
		return usagef("setup --org: give --role-name or --roles, not both")
	}
	var places map[string]orgPlace
	var root string
	var nameFn func(orgAccount, string) string
	usesOU := false
	if o.scale.template != "" {
		if nameFn, usesOU, err = orgTemplate(o.scale.template, func(id string) orgPlace { return places[id] }); err != nil {
			return err
		}
	}
	for _, ou := range o.scale.ous {
		if !orgParentRe().MatchString(ou) {
			return usagef("setup --org: --ou %q is not an OU or root ID (ou-… or r-…)", ou)
		}
	}
	own := ownAccountSettings(s)
	if err := own.Validate(); err != nil {
		return err
	}
	if _, err := orgRoleSettings(s, "000000000000", o.roleName); err != nil {
		return err
	}
	path := awsconfig.ConfigPath()
	// Read now to fail before the network; the write reads it again.
	if _, err := awsconfig.Load(path, awsconfig.Config); err != nil {
		return &credproc.Error{Msg: err.Error(), Hint: "fix the AWS config file; credproc changed nothing", Err: err}
	}

	r := newResolver(u)
	// The listing uses exactly the own-account profile's settings, so the
	// session (and MFA code) it gets is the one that profile and every role
	// profile then reuse from the cache.
	creds, err := r.Credentials(ctx, &own)
	if err != nil {
		return err
	}
	region := r.Region(&own)
	self, err := orgCallerAccount(ctx, creds, region, s.EndpointURL, s.Source)
	if err != nil {
		return err
	}
	start := time.Now()
	var listed atomic.Int64
	phase := atomic.Value{}
	phase.Store("listing the organization's accounts")
	status := fanout.NewOutput(terminalOf(u.stderr), func() string {
		return fmt.Sprintf("credproc: %s: %d accounts, %s", phase.Load(), listed.Load(), time.Since(start).Round(time.Second))
	}, 250*time.Millisecond)
	defer status.Close()
	accounts, partition, err := listOrgAccounts(ctx, creds, region, s.Source, func(n int) { listed.Store(int64(n)) })
	if err != nil {
		return err
	}
	if partition != "" && partition != credproc.Partition(s.Region) {
		return &credproc.Error{
			Msg:  fmt.Sprintf("the organization is in partition %s, but the role ARNs would be in %s", partition, credproc.Partition(s.Region)),
			Hint: "give --region with a region of partition " + partition,
		}
	}
	var inScope map[string]bool
	if len(o.scale.ous) > 0 || usesOU {
		phase.Store("walking the OU tree")
		if root, places, err = orgTree(ctx, creds, region, s.Source); err != nil {
			return err
		}
	}
	if len(o.scale.ous) > 0 {
		inScope = map[string]bool{}
		for id, p := range places {
			for _, ou := range o.scale.ous {
				if p.under(ou, root) {
					inScope[id] = true
				}
			}
		}
		for _, ou := range o.scale.ous {
			if ou != root && !slices.ContainsFunc(mapValues(places), func(p orgPlace) bool { return slices.Contains(p.ids, ou) }) {
				return &credproc.Error{Msg: fmt.Sprintf("no account under %s in the organization", ou), Hint: "check the ID with `aws organizations list-organizational-units-for-parent`"}
			}
		}
	}
	phase.Store("writing the profiles")
	status.Close()
	u.infof("the organization has %d accounts (listed in %s)", len(accounts), time.Since(start).Round(time.Millisecond))

	// The plan is made from the file as it is under the edit lock, so a
	// concurrent setup's profiles are seen, never overwritten.
	var plan orgPlan
	wrote := false
	err = awsconfig.Edit(path, awsconfig.Config, func(f *awsconfig.File) (bool, error) {
		credsFile, _ := awsconfig.Load(awsconfig.CredentialsPath(), awsconfig.Credentials)
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
		plan = planOrgWith(orgPlanInput{accounts: accounts, existing: existing, credNames: credNames, prefix: o.prefix, self: self,
			roles: roles, inScope: inScope, name: nameFn})

		ps := make([]profileWrite, 0, len(plan.writes))
		for _, w := range plan.writes {
			if err := profileNameOK(w.profile); err != nil {
				return false, &credproc.Error{Msg: fmt.Sprintf("account %s (%s) would get profile name %q: %v", w.account.Name, w.account.ID, w.profile, err), Hint: "change --name-template or --prefix"}
			}
			ps = append(ps, profileWrite{name: w.profile, extra: []awsconfig.KV{
				{Key: keyManaged, Value: managedByOrg},
				{Key: keyAccountID, Value: w.account.ID},
				{Key: keyAccountName, Value: recordedName(w.account.Name)},
			}})
			p := &ps[len(ps)-1]
			role := o.roleName
			if w.role != "" {
				role = w.role
				p.extra = append(p.extra, awsconfig.KV{Key: keyRole, Value: w.role})
			}
			if w.own {
				p.settings = &own
			} else if p.settings, err = orgRoleSettings(s, w.account.ID, role); err != nil {
				return false, err
			}
			if p.line, err = processLine(p.settings); err != nil {
				return false, err
			}
		}

		before := f.Bytes()
		counts, err := applyProfiles(u, f, credsFile, ps)
		if err != nil {
			return false, err
		}
		for _, m := range plan.warnings {
			u.warnf("%s", m)
		}
		for _, m := range plan.notices {
			u.infof("%s", m)
		}
		if o.scale.prune {
			for _, g := range plan.gone {
				f.DeleteProfile(g.profile)
			}
		} else if len(plan.gone) > 0 {
			var names []string
			for _, g := range plan.gone {
				names = append(names, g.profile)
			}
			u.warnf("%s of accounts that left the organization or are not active %s kept: %s; add --prune to delete %s", orgPlural(len(names), "profile"), orgWasWere(len(names)), orgFew(names), orgItThem(len(names)))
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
		u.infof("%s", orgSummary(counts, plan.gone, o.scale.prune))

		if o.dryRun {
			u.stdout.Write(awsconfig.Diff(path, before, f.Bytes()))
			u.infof("dry run: nothing written to %s", path)
			return false, nil
		}
		wrote = f.Changed()
		return wrote, nil
	})
	if err != nil {
		var pe *awsconfig.ParseError
		if errors.As(err, &pe) {
			return &credproc.Error{Msg: err.Error(), Hint: "fix the AWS config file; credproc changed nothing", Err: err}
		}
		var ce *credproc.Error
		if errors.As(err, &ce) {
			return err
		}
		return fmt.Errorf("write %s: %w", path, err)
	}
	if o.dryRun {
		return nil
	}
	if wrote {
		u.infof("wrote %s", path)
	}
	// The source's own account is the one profile known to work now: its
	// session just listed the organization. A member's role may be missing
	// (an invited account) or deny the source.
	for _, w := range plan.writes {
		if w.own {
			u.infof("hint: try `aws sts get-caller-identity --profile %s`; a member profile that is denied needs its role: `credproc doctor --profile NAME` says why", awsconfig.QuoteWord(w.profile))
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
func orgSummary(c applyCounts, gone []goneProfile, pruned bool) string {
	s := fmt.Sprintf("%s added, %d updated, %d unchanged", orgPlural(c.added, "profile"), c.updated, c.unchanged)
	if len(gone) == 0 {
		return s
	}
	if pruned {
		var names []string
		for _, g := range gone {
			names = append(names, fmt.Sprintf("%s (%s)", g.profile, g.accountID))
		}
		return fmt.Sprintf("%s, %d deleted (accounts no longer active members): %s", s, len(gone), orgFew(names))
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
	return fmt.Sprintf("%s; %s %s: %s", s, orgPlural(len(gone), "account"), what, orgFew(names))
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
func orgCallerAccount(ctx context.Context, c cache.Credentials, region, endpoint, source string) (string, error) {
	// --endpoint-url is the STS endpoint.
	out, err := credproc.STSClient(c, region, endpoint).GetCallerIdentity(ctx)
	if err != nil {
		return "", credproc.Explain(credproc.Call{Service: "sts", Op: "GetCallerIdentity", Source: source,
			Chained: c.SessionToken != "", Endpoint: credproc.Endpoint{Region: region, URL: endpoint}}, err)
	}
	return out.Account, nil
}

// listOrgAccounts returns every account of the organization (20 per page, the
// API's maximum) and the partition of their ARNs, if they show one.
func listOrgAccounts(ctx context.Context, c cache.Credentials, region, source string, progress ...func(listed int)) ([]orgAccount, string, error) {
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
		for _, p := range progress {
			p(len(out))
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
	return credproc.Explain(credproc.Call{Service: "organizations", Source: source}, err)
}
