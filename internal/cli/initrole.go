package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/credproc/credproc/cache"
	"github.com/credproc/credproc/credproc"
	"github.com/credproc/credproc/internal/awsapi"
	"github.com/credproc/credproc/internal/awsconfig"
	"github.com/credproc/credproc/internal/policy"
)

// init-role creates, in an account that was invited into the organization,
// the role that AWS Organizations creates by itself only in accounts it
// creates. It follows the console steps AWS documents: a role trusting the
// management account ("Another AWS account", optionally "Require MFA") with
// the AdministratorAccess managed policy attached.

// The tag init-role puts on the roles it creates, so that people reading
// the account later know where the role came from.
const (
	createdByKey   = "created-by"
	createdByValue = "credproc"
)

// verifySessionName is the RoleSessionName of the verifying AssumeRole: it
// shows in CloudTrail and keeps the check apart from any profile's cache.
const verifySessionName = "credproc-init-role"

// propagationWait bounds how long verification retries AccessDenied after
// init-role changed the role: IAM changes take a few seconds to reach STS.
const propagationWait = 20 * time.Second

// Compiled on first use: a package-level pattern would cost every
// credential_process call its compile time at start-up.
var policyARNRe = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov):iam::(aws|[0-9]{12}):policy/(?:[\x21-\x7e]*/)?[\w+=,.@-]{1,128}$`)
})

// initRole is init-role's parsed command line.
type initRole struct {
	profile    string // AWS profile of an administrator in the member account
	mgmt       string // management account ID
	roleName   string
	policyARN  string // empty: AdministratorAccess in the member's partition
	requireMFA bool
	dryRun     bool
	update     bool
	// source, mfaSerial and mfaProcess are the management side's settings
	// for the verifying AssumeRole.
	source, mfaSerial, mfaProcess string
}

// cmdInitRole creates (or checks, or with --update repairs) the role that
// lets the management account into an invited member account.
func cmdInitRole(ctx context.Context, u *ui, args []string) error {
	o, err := parseInitRole(args)
	if err != nil {
		return err
	}
	r := newResolver(u)
	admin, err := memberAdmin(ctx, r, o.profile)
	if err != nil {
		return err
	}
	partition := credproc.Partition(admin.region)
	if o.policyARN == "" {
		o.policyARN = "arn:" + partition + ":iam::aws:policy/AdministratorAccess"
	} else if p := strings.Split(o.policyARN, ":")[1]; p != partition {
		return usagef("init-role: --policy-arn %s is in partition %s, but profile %s is in %s (region %s)", o.policyARN, p, o.profile, partition, admin.region)
	}

	who, err := callerIdentity(ctx, admin)
	if err != nil {
		return explainIAM("sts:GetCallerIdentity", o.profile, "", admin, err)
	}
	if who.account == o.mgmt {
		return &credproc.Error{
			Msg:  fmt.Sprintf("profile %s is %s, in the management account %s itself", o.profile, who.arn, o.mgmt),
			Hint: "run init-role with an administrator of the invited member account (--profile), not of the management account",
		}
	}
	u.infof("profile %s is %s (account %s)", o.profile, who.arn, who.account)

	want := desiredRole(partition, o)
	client := awsapi.New(awsapi.IAM, admin.creds, admin.region)
	have, err := readRole(ctx, client, o.roleName)
	if err != nil {
		op := "iam:GetRole"
		var ce *iamCallError
		if errors.As(err, &ce) {
			op = ce.op
		}
		return explainIAM(op, o.profile, who.account, admin, err)
	}
	roleARN := "arn:" + partition + ":iam::" + who.account + ":role/" + o.roleName
	if have != nil {
		roleARN = have.arn
	}

	var plan []iamCall
	if have == nil {
		plan = want.createCalls()
	} else {
		diffs, extras, calls := want.compare(have)
		for _, p := range extras {
			u.infof("note: %s also has policy %s attached; init-role leaves it", roleARN, p)
		}
		if len(diffs) == 0 {
			u.infof("role %s is already set up: %s", roleARN, want.summary())
		}
		for _, d := range diffs {
			u.infof("difference: %s", d)
		}
		if len(diffs) > 0 && !o.update {
			if o.dryRun {
				printPlan(u.stdout, o, roleARN, have, calls, "with --update, init-role would make these calls")
			}
			ops := make([]string, len(calls))
			for i, c := range calls {
				ops[i] = c.op
			}
			return &credproc.Error{
				Msg:  fmt.Sprintf("role %s differs from what init-role sets up (%d difference(s) above); nothing was changed", roleARN, len(diffs)),
				Hint: "add --update to fix it with " + strings.Join(ops, " and ") + " (--dry-run --update prints the calls first)",
			}
		}
		plan = calls
	}

	if o.dryRun {
		printPlan(u.stdout, o, roleARN, have, plan, "")
		return nil
	}
	for _, c := range plan {
		arn, err := c.run(ctx, client)
		if err != nil {
			return explainIAM(c.op, o.profile, who.account, admin, err)
		}
		if arn != "" {
			roleARN = arn
		}
		if c.done != "" {
			u.infof("%s", c.done)
		}
	}
	if len(plan) > 0 && have == nil {
		u.infof("created role %s: %s", roleARN, want.summary())
	}

	if o.source == "" {
		u.infof("not verified: add --source NAME (the management account's source) to check that it can assume the role")
	} else if err := verifyRole(ctx, u, r, o, roleARN, partition, len(plan) > 0); err != nil {
		return err
	}
	next := "credproc setup PROFILE --source NAME --account " + who.account
	if o.roleName != credproc.DefaultRoleName {
		next += " --role-name " + o.roleName
	}
	if o.requireMFA {
		next += " --mfa-serial ARN"
	}
	u.infof("next: %s", next)
	return nil
}

// parseInitRole reads and checks init-role's command line before anything
// touches the network.
func parseInitRole(args []string) (*initRole, error) {
	fs := newFlagSet("init-role")
	o := &initRole{}
	fs.StringVar(&o.profile, "profile", "", "AWS profile of an administrator in the member account")
	fs.StringVar(&o.mgmt, "management-account", "", "ID of the organization's management account")
	fs.StringVar(&o.roleName, "role-name", credproc.DefaultRoleName, "name of the role to create")
	fs.BoolVar(&o.requireMFA, "require-mfa", false, "trust the management account only with MFA")
	fs.StringVar(&o.policyARN, "policy-arn", "", "managed policy to attach (default AdministratorAccess)")
	fs.BoolVar(&o.dryRun, "dry-run", false, "print the policy documents and calls; change nothing")
	fs.BoolVar(&o.update, "update", false, "change an existing role that differs")
	fs.StringVar(&o.source, "source", "", "management-side source to verify the role with (AssumeRole)")
	fs.StringVar(&o.mfaSerial, "mfa-serial", "", "with --source: the management-side MFA device for verifying")
	fs.StringVar(&o.mfaProcess, "mfa-process", "", "with --mfa-serial: command that prints the current MFA code")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return nil, err
	}
	switch {
	case len(pos) > 0:
		return nil, usagef("init-role: unexpected argument %q", pos[0])
	case o.profile == "":
		return nil, usagef("init-role: give --profile P: an AWS profile of an administrator in the member account")
	case o.mgmt == "":
		return nil, usagef("init-role: give --management-account ID: the account the role will trust")
	case o.mfaSerial != "" && o.source == "":
		return nil, usagef("init-role: --mfa-serial goes with --source: it is for verifying the role")
	}
	if err := profileNameOK(o.profile); err != nil {
		return nil, err
	}
	if err := credproc.CheckAccountID(o.mgmt); err != nil {
		return nil, usagef("init-role: --management-account: %v", err)
	}
	if _, err := credproc.RoleARN("", o.mgmt, o.roleName); err != nil {
		return nil, usagef("init-role: %v", err)
	}
	if o.policyARN != "" && !policyARNRe().MatchString(o.policyARN) {
		return nil, usagef("init-role: invalid --policy-arn %q: want arn:aws:iam::aws:policy/NAME or arn:aws:iam::ACCOUNT:policy/NAME", o.policyARN)
	}
	if o.source != "" {
		// Checked now so that a typo fails before any role is created.
		if err := verifySettings(o, "arn:aws:iam::"+o.mgmt+":role/"+o.roleName, "").Validate(); err != nil {
			return nil, usagef("init-role: %v", err)
		}
	}
	return o, nil
}

// adminSession is the credentials init-role makes its IAM calls with.
type adminSession struct {
	creds  cache.Credentials
	region string
}

// memberAdmin gets credentials for profile, an administrator inside the
// member account. IAM refuses GetSessionToken sessions without MFA, so
// long-lived keys are used as they are, not through such a session.
func memberAdmin(ctx context.Context, r *credproc.Resolver, profile string) (*adminSession, error) {
	cfg, err := awsconfig.Load(awsconfig.ConfigPath(), awsconfig.Config)
	if err != nil {
		return nil, &credproc.Error{Msg: err.Error(), Hint: "fix the AWS config file; credproc changed nothing", Err: err}
	}
	if p, ok := cfg.Profile(profile); ok && p.Get("credential_process") != "" {
		if s, err := settingsFromLine(profile, p.Get("credential_process")); err == nil {
			// A credproc profile.
			if err := s.Validate(); err != nil {
				return nil, err
			}
			a := &adminSession{region: r.Region(s)}
			if s.RoleARN != "" || s.MFASerial != "" {
				a.creds, err = r.Credentials(ctx, s)
			} else {
				a.creds, err = r.SourceCredentials(ctx, s.Source)
			}
			return a, err
		}
	}
	keys, ok, err := credproc.ProfileKeys(profile)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, &credproc.Error{
			Msg:  fmt.Sprintf("no profile %q in %s or %s", profile, awsconfig.ConfigPath(), awsconfig.CredentialsPath()),
			Hint: "give the AWS profile of an administrator in the member account (static keys, SSO, credential_process or a credproc profile)",
		}
	}
	a := &adminSession{region: firstOf(os.Getenv("AWS_REGION"), os.Getenv("AWS_DEFAULT_REGION"), keys["region"], "us-east-1")}
	if err := credproc.CheckRegion(a.region); err != nil {
		return nil, err
	}
	a.creds, err = r.SourceCredentials(ctx, credproc.ProfilePrefix+profile)
	return a, err
}

// firstOf returns the first non-empty value.
func firstOf(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// caller is who the member-side credentials belong to.
type caller struct{ arn, account string }

// callerIdentity asks STS whom a's credentials belong to.
func callerIdentity(ctx context.Context, a *adminSession) (caller, error) {
	out, err := credproc.STSClient(a.creds, a.region, "").GetCallerIdentity(ctx)
	if err != nil {
		return caller{}, err
	}
	return caller{arn: out.Arn, account: out.Account}, nil
}

// roleSpec is the role init-role sets up.
type roleSpec struct {
	name, mgmt, partition string
	requireMFA            bool
	policyARN             string
	trust                 string // the trust policy document as sent
	description           string
}

// policyDoc and policyStatement render the trust policy in the order and
// shape the IAM console writes it.
type policyDoc struct {
	Version   string            `json:"Version"`
	Statement []policyStatement `json:"Statement"`
}

type policyStatement struct {
	Effect    string                       `json:"Effect"`
	Principal map[string]string            `json:"Principal"`
	Action    string                       `json:"Action"`
	Condition map[string]map[string]string `json:"Condition,omitempty"`
}

// desiredRole is the role o asks for, in partition.
func desiredRole(partition string, o *initRole) *roleSpec {
	st := policyStatement{
		Effect:    "Allow",
		Principal: map[string]string{"AWS": policy.RootARN(partition, o.mgmt)},
		Action:    "sts:AssumeRole",
	}
	if o.requireMFA {
		st.Condition = map[string]map[string]string{"Bool": {"aws:MultiFactorAuthPresent": "true"}}
	}
	doc, err := json.MarshalIndent(policyDoc{Version: "2012-10-17", Statement: []policyStatement{st}}, "", "  ")
	if err != nil {
		panic(err) // maps of strings always marshal
	}
	return &roleSpec{
		name: o.roleName, mgmt: o.mgmt, partition: partition, requireMFA: o.requireMFA, policyARN: o.policyARN,
		trust:       string(doc),
		description: "Lets the organization's management account " + o.mgmt + " administer this account. Created by credproc init-role.",
	}
}

// summary says in a few words what the role grants.
func (w *roleSpec) summary() string {
	mfa := ""
	if w.requireMFA {
		mfa = " with MFA"
	}
	return fmt.Sprintf("trusts account %s%s, policy %s", w.mgmt, mfa, w.policyARN)
}

// existingRole is what IAM reports about the role.
type existingRole struct {
	arn      string
	trust    string // decoded trust policy document
	attached []string
}

// iamCallError names the IAM operation that failed.
type iamCallError struct {
	op  string
	err error
}

// Error names the operation and the failure.
func (e *iamCallError) Error() string { return e.op + ": " + e.err.Error() }
func (e *iamCallError) Unwrap() error { return e.err }

// readRole returns the role named name, or nil if there is none. Its
// errors are *iamCallError.
func readRole(ctx context.Context, c *awsapi.Client, name string) (*existingRole, error) {
	var role struct {
		Arn   string `xml:"Role>Arn"`
		Trust string `xml:"Role>AssumeRolePolicyDocument"`
	}
	err := c.Query(ctx, "GetRole", url.Values{"RoleName": {name}}, &role)
	if credproc.ErrorCode(err) == "NoSuchEntity" {
		return nil, nil
	}
	if err != nil {
		return nil, &iamCallError{"iam:GetRole", err}
	}
	if role.Arn == "" {
		return nil, &iamCallError{"iam:GetRole", errors.New("IAM returned no role")}
	}
	r := &existingRole{arn: role.Arn, trust: decodePolicy(role.Trust)}
	params := url.Values{"RoleName": {name}}
	for {
		var page struct {
			Policies  []string `xml:"AttachedPolicies>member>PolicyArn"`
			Truncated bool     `xml:"IsTruncated"`
			Marker    string   `xml:"Marker"`
		}
		if err := c.Query(ctx, "ListAttachedRolePolicies", params, &page); err != nil {
			return nil, &iamCallError{"iam:ListAttachedRolePolicies", err}
		}
		r.attached = append(r.attached, page.Policies...)
		if !page.Truncated {
			return r, nil
		}
		// A repeated or missing marker would page forever.
		if page.Marker == "" || page.Marker == params.Get("Marker") {
			return nil, &iamCallError{"iam:ListAttachedRolePolicies", errors.New("IAM returned a truncated page without a new marker")}
		}
		params.Set("Marker", page.Marker)
	}
}

// decodePolicy undoes the URL encoding (RFC 3986) IAM returns policy
// documents in; a document that is plain JSON already is kept.
func decodePolicy(doc string) string {
	if strings.HasPrefix(strings.TrimSpace(doc), "{") {
		return doc
	}
	if d, err := url.PathUnescape(doc); err == nil {
		return d
	}
	return doc
}

// iamCall is one state-changing IAM call init-role makes.
type iamCall struct {
	op   string   // "iam:CreateRole"
	cli  []string // the same call as an AWS CLI command, without --profile
	done string   // what to say once it succeeded, if anything
	// run makes the call; it returns the role's ARN when the reply has it.
	run func(ctx context.Context, c *awsapi.Client) (string, error)
}

// createCalls create the role from scratch.
func (w *roleSpec) createCalls() []iamCall {
	create := iamCall{
		op: "iam:CreateRole",
		cli: []string{"aws", "iam", "create-role", "--role-name", w.name, "--description", w.description,
			"--tags", "Key=" + createdByKey + ",Value=" + createdByValue, "--assume-role-policy-document", w.trust},
		run: func(ctx context.Context, c *awsapi.Client) (string, error) {
			// The tag goes with CreateRole so that no untagged role is left
			// behind if a later call fails.
			var out struct {
				Arn string `xml:"Role>Arn"`
			}
			err := c.Query(ctx, "CreateRole", url.Values{
				"RoleName":                 {w.name},
				"AssumeRolePolicyDocument": {w.trust},
				"Description":              {w.description},
				"Tags.member.1.Key":        {createdByKey},
				"Tags.member.1.Value":      {createdByValue},
			}, &out)
			return out.Arn, err
		},
	}
	return []iamCall{create, w.attachCall()}
}

// attachCall attaches the spec's policy.
func (w *roleSpec) attachCall() iamCall {
	return iamCall{
		op:   "iam:AttachRolePolicy",
		cli:  []string{"aws", "iam", "attach-role-policy", "--role-name", w.name, "--policy-arn", w.policyARN},
		done: "attached policy " + w.policyARN + " to role " + w.name,
		run: func(ctx context.Context, c *awsapi.Client) (string, error) {
			return "", c.Query(ctx, "AttachRolePolicy", url.Values{"RoleName": {w.name}, "PolicyArn": {w.policyARN}}, nil)
		},
	}
}

// updateTrustCall replaces the role's trust policy with the spec's.
func (w *roleSpec) updateTrustCall() iamCall {
	return iamCall{
		op:   "iam:UpdateAssumeRolePolicy",
		cli:  []string{"aws", "iam", "update-assume-role-policy", "--role-name", w.name, "--policy-document", w.trust},
		done: "replaced the trust policy of role " + w.name,
		run: func(ctx context.Context, c *awsapi.Client) (string, error) {
			return "", c.Query(ctx, "UpdateAssumeRolePolicy", url.Values{"RoleName": {w.name}, "PolicyDocument": {w.trust}}, nil)
		},
	}
}

// compare checks an existing role against the spec. diffs are the
// differences, one line each; extras are further attached policies, which
// init-role neither minds nor removes; calls would make the role match.
func (w *roleSpec) compare(have *existingRole) (diffs, extras []string, calls []iamCall) {
	same, err := policy.Same(have.trust, w.trust, w.partition)
	if err != nil {
		diffs = append(diffs, fmt.Sprintf("the trust policy cannot be read (%v)", err))
	} else if !same {
		diffs = append(diffs, policy.TrustDifferences(have.trust, w.trust, w.mgmt, w.partition, w.requireMFA)...)
	}
	if len(diffs) > 0 {
		calls = append(calls, w.updateTrustCall())
	}
	if !slices.Contains(have.attached, w.policyARN) {
		diffs = append(diffs, "policy "+w.policyARN+" is not attached")
		calls = append(calls, w.attachCall())
	}
	for _, p := range have.attached {
		if p != w.policyARN {
			extras = append(extras, p)
		}
	}
	return diffs, extras, calls
}

// printPlan writes the dry run: the calls as AWS CLI commands one could
// run oneself, with the exact documents they send.
func printPlan(w io.Writer, o *initRole, roleARN string, have *existingRole, calls []iamCall, heading string) {
	fmt.Fprintf(w, "# credproc init-role --dry-run: nothing was changed.\n")
	if have == nil {
		fmt.Fprintf(w, "# role %s does not exist.\n", roleARN)
	} else {
		fmt.Fprintf(w, "# role %s exists.\n", roleARN)
	}
	if len(calls) == 0 {
		fmt.Fprintf(w, "# it is set up as intended: no calls to make.\n")
		return
	}
	if heading == "" {
		heading = "init-role would make these calls"
	}
	fmt.Fprintf(w, "# %s, as AWS CLI commands:\n", heading)
	for _, c := range calls {
		fmt.Fprintf(w, "\n# %s\n%s\n", c.op, shellJoin(append(c.cli, "--profile", o.profile)))
	}
	if o.source != "" {
		fmt.Fprintf(w, "\n# then: sts:AssumeRole %s with source %s, to verify\n", roleARN, o.source)
	}
}

// shellJoin quotes args for a POSIX shell. Policy documents stay readable:
// single quotes keep their newlines.
func shellJoin(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		if a != "" && strings.Trim(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_=.,:/@+") == "" {
			q[i] = a
		} else {
			q[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
	}
	return strings.Join(q, " ")
}

// verifySettings are the management side's settings for assuming roleARN.
func verifySettings(o *initRole, roleARN, region string) *credproc.Settings {
	return &credproc.Settings{
		Source:        o.source,
		RoleARN:       roleARN,
		SessionName:   verifySessionName,
		MFASerial:     o.mfaSerial,
		MFAProcess:    o.mfaProcess,
		MFADuration:   credproc.DefaultMFADuration,
		RefreshWindow: credproc.DefaultRefreshWindow,
		Region:        region,
	}
}

// verifyRole assumes the role with the management-side source, as a
// credproc profile will. changed says init-role just changed the role, so
// a denial may only mean IAM has not propagated the change yet.
func verifyRole(ctx context.Context, u *ui, r *credproc.Resolver, o *initRole, roleARN, partition string, changed bool) error {
	region := ""
	if partition != "aws" {
		region = regionFor(partition) // the STS default us-east-1 is in aws
	}
	if o.requireMFA && o.mfaSerial == "" {
		u.infof("not verifying: the role requires MFA; give --mfa-serial (and --mfa-process) to assume it with a code")
		return nil
	}
	s := verifySettings(o, roleARN, region)
	if err := s.Validate(); err != nil {
		return err
	}
	key := r.CacheKeyFor(s)
	// A cached session would prove nothing: drop it before and after.
	_ = r.Store.DeleteSession(key)
	defer func() { _ = r.Store.DeleteSession(key) }()
	deadline := time.Now().Add(propagationWait)
	told := false
	for {
		_, err := r.Credentials(ctx, s)
		if err == nil {
			u.infof("verified: %s can assume %s", o.source, roleARN)
			return nil
		}
		if !changed || credproc.ErrorCode(err) != "AccessDenied" || time.Now().After(deadline) {
			return err
		}
		if !told {
			u.infof("%s cannot assume the role yet; IAM takes a few seconds to propagate changes, retrying for up to %s", o.source, propagationWait)
			told = true
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(2 * time.Second):
		}
	}
}

// regionFor picks an STS region in a partition other than aws.
func regionFor(partition string) string {
	if partition == "aws-cn" {
		return "cn-north-1"
	}
	return "us-gov-west-1"
}

// explainIAM turns a failed member-side call into what to do about it.
func explainIAM(op, profile, account string, a *adminSession, err error) error {
	return credproc.Explain(credproc.Call{Service: "iam", Op: op, Profile: profile, Account: account,
		Chained: a != nil && a.creds.SessionToken != ""}, err)
}
