package awstest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// simulate runs SimulatePrincipalPolicy and returns "ACTION RESOURCE
// DECISION" for each result.
func simulate(t testing.TB, c *iam.Client, in *iam.SimulatePrincipalPolicyInput) []string {
	t.Helper()
	out, err := c.SimulatePrincipalPolicy(ctx, in)
	if err != nil {
		t.Fatalf("SimulatePrincipalPolicy(%s): %v", aws.ToString(in.PolicySourceArn), err)
	}
	if out.IsTruncated || out.Marker != nil {
		t.Errorf("IsTruncated %v, Marker %v", out.IsTruncated, out.Marker)
	}
	return decisions(out.EvaluationResults)
}

func decisions(rs []iamtypes.EvaluationResult) []string {
	var got []string
	for _, r := range rs {
		got = append(got, aws.ToString(r.EvalActionName)+" "+aws.ToString(r.EvalResourceName)+" "+string(r.EvalDecision))
	}
	return got
}

// TestSimulatePrincipalPolicy checks that the simulation gives the
// decision STS and IAM act on, for users and roles, restricted or not.
func TestSimulatePrincipalPolicy(t *testing.T) {
	s := newServer(t)
	alice := userCreds(s, acct, "alice") // administrator
	bob := userCreds(s, acct, "bob")
	const (
		aliceARN = "arn:aws:iam::111111111111:user/alice"
		bobARN   = "arn:aws:iam::111111111111:user/bob"
		opsRole  = "arn:aws:iam::222222222222:role/ops-admin"
		devRole  = "arn:aws:iam::222222222222:role/dev-admin"
	)
	s.CreateRole(Role{Account: acct2, Name: "ops-admin", TrustedAccounts: []string{acct}})
	s.CreateRole(Role{Account: acct2, Name: "dev-admin", TrustedAccounts: []string{acct}})
	s.SetUserAllowedRoles(acct, "bob", "arn:aws:iam::222222222222:role/ops-*")
	ac := iamClient(s, alice)

	// An administrator may do anything, on any resource, "*" included.
	got := simulate(t, ac, &iam.SimulatePrincipalPolicyInput{
		PolicySourceArn: aws.String(aliceARN),
		ActionNames:     []string{"sts:AssumeRole", "iam:CreateRole"},
	})
	if want := []string{"sts:AssumeRole * allowed", "iam:CreateRole * allowed"}; !slices.Equal(got, want) {
		t.Errorf("alice: %q, want %q", got, want)
	}

	// Bob may assume the ops roles only: one result per action and
	// resource, in request order, and the same answer as STS gives.
	got = simulate(t, ac, &iam.SimulatePrincipalPolicyInput{
		PolicySourceArn: aws.String(bobARN),
		ActionNames:     []string{"sts:AssumeRole", "iam:GetRole"},
		ResourceArns:    []string{opsRole, devRole},
	})
	want := []string{
		"sts:AssumeRole " + opsRole + " allowed", "sts:AssumeRole " + devRole + " implicitDeny",
		"iam:GetRole " + opsRole + " implicitDeny", "iam:GetRole " + devRole + " implicitDeny",
	}
	if !slices.Equal(got, want) {
		t.Errorf("bob: %q, want %q", got, want)
	}
	assume(t, client(s, bob), &sts.AssumeRoleInput{RoleArn: aws.String(opsRole)})
	_, err := client(s, bob).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(devRole), RoleSessionName: aws.String("bob")})
	wantAPIError(t, err, 403, "AccessDenied", "sts:AssumeRole")
	// A grant for some roles does not cover "*".
	got = simulate(t, ac, &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String(bobARN), ActionNames: []string{"sts:AssumeRole"}})
	if want := []string{"sts:AssumeRole * implicitDeny"}; !slices.Equal(got, want) {
		t.Errorf("bob on *: %q, want %q", got, want)
	}

	// The simulation needs iam:SimulatePrincipalPolicy on the source,
	// checked before the source is looked up.
	bc := iamClient(s, bob)
	_, err = bc.SimulatePrincipalPolicy(ctx, &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String(bobARN), ActionNames: []string{"sts:AssumeRole"}})
	wantAPIError(t, err, 403, "AccessDenied", "User: arn:aws:iam::111111111111:user/bob is not authorized to perform: iam:SimulatePrincipalPolicy on resource: arn:aws:iam::111111111111:user/bob")
	_, err = bc.SimulatePrincipalPolicy(ctx, &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String("arn:aws:iam::111111111111:user/nobody"), ActionNames: []string{"sts:AssumeRole"}})
	wantAPIError(t, err, 403, "AccessDenied", "iam:SimulatePrincipalPolicy on resource: arn:aws:iam::111111111111:user/nobody")
	// A grant on his own ARN lets bob simulate himself, and nobody else.
	s.Allow(bobARN, "iam:SimulatePrincipalPolicy", bobARN)
	got = simulate(t, bc, &iam.SimulatePrincipalPolicyInput{
		PolicySourceArn: aws.String(bobARN),
		ActionNames:     []string{"sts:AssumeRole"},
		ResourceArns:    []string{devRole},
		// As credproc doctor sends it for MFA profiles.
		ContextEntries: []iamtypes.ContextEntry{{
			ContextKeyName:   aws.String("aws:MultiFactorAuthPresent"),
			ContextKeyType:   iamtypes.ContextKeyTypeEnumBoolean,
			ContextKeyValues: []string{"true"},
		}},
	})
	if want := []string{"sts:AssumeRole " + devRole + " implicitDeny"}; !slices.Equal(got, want) {
		t.Errorf("bob on himself: %q, want %q", got, want)
	}
	_, err = bc.SimulatePrincipalPolicy(ctx, &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String(aliceARN), ActionNames: []string{"sts:AssumeRole"}})
	wantAPIError(t, err, 403, "AccessDenied", "iam:SimulatePrincipalPolicy on resource: "+aliceARN)
	// Granting sts:AssumeRole changes the answer.
	s.Allow(bobARN, "sts:AssumeRole", devRole)
	got = simulate(t, bc, &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String(bobARN), ActionNames: []string{"sts:AssumeRole"}, ResourceArns: []string{devRole}})
	if want := []string{"sts:AssumeRole " + devRole + " allowed"}; !slices.Equal(got, want) {
		t.Errorf("bob after Allow: %q, want %q", got, want)
	}

	// Roles: their Actions and attached managed policies, as their
	// sessions have them. A role session may run the simulation too.
	reader := s.CreateRole(Role{Account: acct, Name: "reader", TrustedAccounts: []string{acct}, Actions: []string{"iam:GetRole"}})
	admin := s.CreateRole(Role{Account: acct, Name: "admin", TrustedAccounts: []string{acct}, Actions: []string{"*"}})
	sess, _ := assume(t, client(s, alice), &sts.AssumeRoleInput{RoleArn: aws.String(admin)})
	sc := iamClient(s, sess)
	in := &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String(reader), ActionNames: []string{"iam:GetRole", "iam:ListRoles"}}
	got = simulate(t, sc, in)
	if want := []string{"iam:GetRole * allowed", "iam:ListRoles * implicitDeny"}; !slices.Equal(got, want) {
		t.Errorf("reader: %q, want %q", got, want)
	}
	if _, err := sc.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("reader"), PolicyArn: aws.String("arn:aws:iam::aws:policy/IAMReadOnlyAccess")}); err != nil {
		t.Fatal(err)
	}
	got = simulate(t, sc, in)
	if want := []string{"iam:GetRole * allowed", "iam:ListRoles * allowed"}; !slices.Equal(got, want) {
		t.Errorf("reader with IAMReadOnlyAccess: %q, want %q", got, want)
	}
	// Its own policies let the reader simulate, through IAMReadOnlyAccess.
	rs, _ := assume(t, client(s, alice), &sts.AssumeRoleInput{RoleArn: aws.String(reader)})
	got = simulate(t, iamClient(s, rs), &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String(admin), ActionNames: []string{"organizations:ListAccounts"}})
	if want := []string{"organizations:ListAccounts * allowed"}; !slices.Equal(got, want) {
		t.Errorf("admin role: %q, want %q", got, want)
	}
	// Not in an organization: no OrganizationsDecisionDetail.
	out, err := sc.SimulatePrincipalPolicy(ctx, in)
	if err != nil || out.EvaluationResults[0].OrganizationsDecisionDetail != nil || len(out.EvaluationResults[0].MatchedStatements) != 0 {
		t.Errorf("outside an organization: %+v, %v", out, err)
	}
	s.CreateOrganization(acct)
	out, err = sc.SimulatePrincipalPolicy(ctx, in)
	if err != nil || out.EvaluationResults[0].OrganizationsDecisionDetail == nil || !out.EvaluationResults[0].OrganizationsDecisionDetail.AllowedByOrganizations {
		t.Errorf("in an organization: %+v, %v", out, err)
	}
}

func TestSimulatePrincipalPolicyErrors(t *testing.T) {
	s := newServer(t)
	ac := iamClient(s, userCreds(s, acct, "alice"))
	userCreds(s, acct2, "carol")
	s.CreateRole(Role{Account: acct2, Name: "other", TrustedAccounts: []string{acct}})
	s.CreateRole(Role{Account: acct, Name: "deep", Path: "/a/b/", TrustedAccounts: []string{acct}})
	sim := func(source string, mutate func(*iam.SimulatePrincipalPolicyInput)) error {
		in := &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String(source), ActionNames: []string{"sts:AssumeRole"}}
		if mutate != nil {
			mutate(in)
		}
		_, err := ac.SimulatePrincipalPolicy(ctx, in)
		return err
	}

	wantAPIError(t, sim("arn:aws:iam::111111111111:user/nobody", nil), 404, "NoSuchEntity", "The user with name nobody cannot be found.")
	wantAPIError(t, sim("arn:aws:iam::111111111111:role/nothing", nil), 404, "NoSuchEntity", "The role with name nothing cannot be found.")
	wantAPIError(t, sim("arn:aws:iam::111111111111:group/admins", nil), 404, "NoSuchEntity", "The group with name admins cannot be found.")
	// Other accounts' entities are not found from this one.
	wantAPIError(t, sim("arn:aws:iam::222222222222:user/carol", nil), 404, "NoSuchEntity", "The user with name carol cannot be found.")
	wantAPIError(t, sim("arn:aws:iam::222222222222:role/other", nil), 404, "NoSuchEntity", "The role with name other cannot be found.")
	// Roles are found by their ARN, path included.
	wantAPIError(t, sim("arn:aws:iam::111111111111:role/deep", nil), 404, "NoSuchEntity", "deep")
	if err := sim("arn:aws:iam::111111111111:role/a/b/deep", nil); err != nil {
		t.Errorf("role with path: %v", err)
	}
	for _, bad := range []string{"arn:aws:sts::111111111111:assumed-role/x/y", "arn:aws:iam::111111111111:root", "not-an-arn-at-all-really"} {
		wantAPIError(t, sim(bad, nil), 400, "InvalidInput", "ARN "+bad+" is not valid.")
	}
	wantAPIError(t, sim("arn:aws", nil), 400, "ValidationError", "Value 'arn:aws' at 'policySourceArn' failed to satisfy constraint: Member must have length greater than or equal to 20")
	wantAPIError(t, sim("arn:aws:iam::111111111111:user/alice", func(in *iam.SimulatePrincipalPolicyInput) {
		in.ActionNames = []string{"s3"}
		in.ResourceArns = []string{""}
	}), 400, "ValidationError", "2 validation errors detected: Value 's3' at 'actionNames.1.member' failed to satisfy constraint: Member must have length greater than or equal to 3; Value '' at 'resourceArns.1.member'")
	wantAPIError(t, sim("arn:aws:iam::111111111111:user/alice", func(in *iam.SimulatePrincipalPolicyInput) {
		in.ContextEntries = []iamtypes.ContextEntry{{ContextKeyName: aws.String("aws:MultiFactorAuthPresent"), ContextKeyType: "bool", ContextKeyValues: []string{"true"}}}
	}), 400, "ValidationError", "Value 'bool' at 'contextEntries.1.member.contextKeyType' failed to satisfy constraint: Member must satisfy enum value set: [string, stringList,")
	wantAPIError(t, sim("arn:aws:iam::111111111111:user/alice", func(in *iam.SimulatePrincipalPolicyInput) {
		in.PolicyInputList = []string{`{"Version":"2012-10-17","Statement":[]}`}
	}), 400, "InvalidInput", "awstest: SimulatePrincipalPolicy PolicyInputList is not emulated")
	wantAPIError(t, sim("arn:aws:iam::111111111111:user/alice", func(in *iam.SimulatePrincipalPolicyInput) {
		in.CallerArn = aws.String("arn:aws:iam::111111111111:user/alice")
	}), 400, "InvalidInput", "CallerArn is not emulated")

	// ActionNames is required; the SDK checks that before sending, so the
	// server's own check is seen in a raw request.
	body := url.Values{"Action": {"SimulatePrincipalPolicy"}, "Version": {"2010-05-08"}, "PolicySourceArn": {"arn:aws:iam::111111111111:user/alice"}}.Encode()
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	id, secret := s.CreateAccessKey(acct, "alice")
	signRequest(t, req, creds{id: id, secret: secret}, "iam", []byte(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !strings.Contains(string(raw), "<Code>ValidationError</Code><Message>1 validation error detected: Value null at &#39;actionNames&#39; failed to satisfy constraint: Member must not be null</Message>") {
		t.Errorf("no ActionNames: %d %s", resp.StatusCode, raw)
	}
}

// TestSimulatePrincipalPolicyPages pages through results with MaxItems and
// Marker, as the SDK's paginator does.
func TestSimulatePrincipalPolicyPages(t *testing.T) {
	s := newServer(t)
	ac := iamClient(s, userCreds(s, acct, "alice"))
	in := &iam.SimulatePrincipalPolicyInput{
		PolicySourceArn: aws.String("arn:aws:iam::111111111111:user/alice"),
		ActionNames:     []string{"sts:AssumeRole", "iam:GetRole"},
		ResourceArns:    []string{"arn:aws:iam::222222222222:role/a", "arn:aws:iam::222222222222:role/b"},
		MaxItems:        aws.Int32(3),
	}
	p := iam.NewSimulatePrincipalPolicyPaginator(ac, in)
	var got []string
	pages := 0
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		got = append(got, decisions(out.EvaluationResults)...)
	}
	if pages != 2 || len(got) != 4 || got[3] != "iam:GetRole arn:aws:iam::222222222222:role/b allowed" {
		t.Errorf("%d pages: %q", pages, got)
	}
	// Markers are bound to the server and the policy source.
	out, err := ac.SimulatePrincipalPolicy(ctx, in)
	if err != nil || !out.IsTruncated || out.Marker == nil {
		t.Fatalf("first page: %+v, %v", out, err)
	}
	other := *in
	other.PolicySourceArn = aws.String(s.CreateRole(Role{Account: acct, Name: "r", TrustedAccounts: []string{acct}}))
	other.Marker = out.Marker
	_, err = ac.SimulatePrincipalPolicy(ctx, &other)
	wantAPIError(t, err, 400, "ValidationError", "Invalid Marker")
	in.Marker = aws.String("forged")
	_, err = ac.SimulatePrincipalPolicy(ctx, in)
	wantAPIError(t, err, 400, "ValidationError", "Invalid Marker")
}

// TestSimulatePrincipalPolicyWire checks the response as IAM sends it, for
// clients that parse it themselves (credproc doctor does).
func TestSimulatePrincipalPolicyWire(t *testing.T) {
	s := newServer(t)
	id, secret := s.CreateUser(acct, "alice")
	role := "arn:aws:iam::222222222222:role/OrganizationAccountAccessRole"
	body := url.Values{
		"Action": {"SimulatePrincipalPolicy"}, "Version": {"2010-05-08"},
		"PolicySourceArn":                                   {"arn:aws:iam::111111111111:user/alice"},
		"ActionNames.member.1":                              {"sts:AssumeRole"},
		"ResourceArns.member.1":                             {role},
		"ContextEntries.member.1.ContextKeyName":            {"aws:MultiFactorAuthPresent"},
		"ContextEntries.member.1.ContextKeyType":            {"boolean"},
		"ContextEntries.member.1.ContextKeyValues.member.1": {"true"},
	}.Encode()
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, s.URL+"/", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	signRequest(t, req, creds{id: id, secret: secret}, "iam", []byte(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	want := `<SimulatePrincipalPolicyResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><SimulatePrincipalPolicyResult>` +
		`<IsTruncated>false</IsTruncated><EvaluationResults><member><EvalActionName>sts:AssumeRole</EvalActionName>` +
		fmt.Sprintf(`<EvalResourceName>%s</EvalResourceName><EvalDecision>allowed</EvalDecision>`, role) +
		`<MatchedStatements></MatchedStatements><MissingContextValues></MissingContextValues></member></EvaluationResults>` +
		`</SimulatePrincipalPolicyResult><ResponseMetadata><RequestId>`
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/xml" || !strings.HasPrefix(string(raw), want) {
		t.Errorf("%d %s\n%s\nwant prefix\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), raw, want)
	}
	if n := s.Succeeded("SimulatePrincipalPolicy"); n != 1 {
		t.Errorf("Succeeded %d", n)
	}
	if log := s.Log(); len(log) != 1 || log[0].Service != "iam" || log[0].AccessKeyID != id {
		t.Errorf("Log %+v", log)
	}
}
