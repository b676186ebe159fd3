package awstest

import (
	"errors"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

const adminPolicy = "arn:aws:iam::aws:policy/AdministratorAccess"

// trustDoc is a trust policy admitting account, requiring MFA if mfa.
func trustDoc(account string, mfa bool) string {
	cond := ""
	if mfa {
		cond = `,"Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}`
	}
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` +
		account + `:root"},"Action":"sts:AssumeRole"` + cond + `}]}`
}

// TestIAMRoleGovernsAssumeRole walks the bootstrap of a member account:
// its admin creates a role trusting the management account M with MFA,
// attaches AdministratorAccess, and M's admin assumes it.
func TestIAMRoleGovernsAssumeRole(t *testing.T) {
	s := newServer(t)
	now := fixedClock(s)
	alice := userCreds(s, acct, "alice") // admin of the management account
	serial, seed := s.EnableMFA(acct, "alice", "alice-phone")
	bob := userCreds(s, acct2, "bob") // admin of the member account
	ic := iamClient(s, bob)

	out, err := ic.CreateRole(ctx, &iam.CreateRoleInput{
		RoleName:                 aws.String("OrganizationAdmin"),
		AssumeRolePolicyDocument: aws.String(trustDoc(acct, true)),
		MaxSessionDuration:       aws.Int32(43200),
	})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(out.Role.Arn)
	if arn != "arn:aws:iam::222222222222:role/OrganizationAdmin" {
		t.Fatalf("Arn %s", arn)
	}
	if _, err := ic.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("OrganizationAdmin"), PolicyArn: aws.String(adminPolicy)}); err != nil {
		t.Fatal(err)
	}
	if got := s.AttachedPolicies(arn); !slices.Equal(got, []string{adminPolicy}) {
		t.Errorf("AttachedPolicies %v", got)
	}
	p, ok := s.RoleTrustPolicy(arn)
	if !ok || len(p.Statements) != 1 || !slices.Equal(p.Statements[0].Principals, []string{"arn:aws:iam::111111111111:root"}) {
		t.Errorf("RoleTrustPolicy %+v %v", p, ok)
	}

	// The trust policy's MFA condition governs AssumeRole.
	stsc := client(s, alice)
	_, err = stsc.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(arn), RoleSessionName: aws.String("alice")})
	wantAPIError(t, err, 403, "AccessDenied", "is not authorized to perform: sts:AssumeRole on resource: "+arn)
	sess, _ := assume(t, stsc, &sts.AssumeRoleInput{
		RoleArn: aws.String(arn), RoleSessionName: aws.String("alice"), DurationSeconds: aws.Int32(43200),
		SerialNumber: aws.String(serial), TokenCode: aws.String(mfaCode(t, seed, now, 0)),
	})
	// Bob's own account cannot, as the policy does not trust it.
	_, err = client(s, bob).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(arn), RoleSessionName: aws.String("bob")})
	wantAPIError(t, err, 403, "AccessDenied", "sts:AssumeRole")

	// AdministratorAccess lets the session administer the member account.
	sc := iamClient(s, sess)
	if _, err := sc.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("made-by-session"), AssumeRolePolicyDocument: aws.String(trustDoc(acct2, false))}); err != nil {
		t.Errorf("admin session CreateRole: %v", err)
	}

	// UpdateAssumeRolePolicy changes who may assume the role.
	carol := userCreds(s, acct3, "carol")
	_, err = client(s, carol).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(arn), RoleSessionName: aws.String("carol")})
	wantAPIError(t, err, 403, "AccessDenied", "sts:AssumeRole")
	if _, err := sc.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("OrganizationAdmin"), PolicyDocument: aws.String(trustDoc(acct3, false))}); err != nil {
		t.Fatal(err)
	}
	assume(t, client(s, carol), &sts.AssumeRoleInput{RoleArn: aws.String(arn)})
	code := mfaCode(t, seed, now, 1)
	_, err = stsc.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(arn), RoleSessionName: aws.String("alice"), SerialNumber: aws.String(serial), TokenCode: aws.String(code)})
	wantAPIError(t, err, 403, "AccessDenied", "sts:AssumeRole")
	if p, _ := s.RoleTrustPolicy(arn); p.Statements[0].Principals[0] != "arn:aws:iam::333333333333:root" {
		t.Errorf("RoleTrustPolicy after update %+v", p)
	}
}

func TestIAMGetRole(t *testing.T) {
	s := newServer(t)
	now := fixedClock(s)
	bob := userCreds(s, acct2, "bob")
	ic := iamClient(s, bob)
	// Spaces, quotes, '+' and non-ASCII survive the URL encoding.
	doc := "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": {\"Sid\": \"a+b é\", \"Effect\": \"Allow\", \"Principal\": {\"AWS\": [\"111111111111\", \"arn:aws:iam::222222222222:user/bob\"]}, \"Action\": [\"sts:AssumeRole\", \"sts:TagSession\"]}\n}"
	created, err := ic.CreateRole(ctx, &iam.CreateRoleInput{
		RoleName:                 aws.String("Admin"),
		Path:                     aws.String("/ops/"),
		AssumeRolePolicyDocument: aws.String(doc),
		Description:              aws.String("Created by credproc"),
		Tags:                     []iamtypes.Tag{{Key: aws.String("owner"), Value: aws.String("credproc")}, {Key: aws.String("empty"), Value: aws.String("")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err := ic.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("admin")}) // names ignore case
	if err != nil {
		t.Fatal(err)
	}
	r := out.Role
	if aws.ToString(r.Arn) != "arn:aws:iam::222222222222:role/ops/Admin" || aws.ToString(r.RoleName) != "Admin" ||
		aws.ToString(r.Path) != "/ops/" || aws.ToString(r.Description) != "Created by credproc" ||
		aws.ToInt32(r.MaxSessionDuration) != 3600 || !aws.ToTime(r.CreateDate).Equal(now.Truncate(time.Second)) ||
		!regexp.MustCompile(`^AROA[A-Z2-7]{17}$`).MatchString(aws.ToString(r.RoleId)) ||
		aws.ToString(r.RoleId) != aws.ToString(created.Role.RoleId) || r.RoleLastUsed == nil {
		t.Errorf("Role %+v", r)
	}
	if len(r.Tags) != 2 || aws.ToString(r.Tags[0].Key) != "owner" || aws.ToString(r.Tags[1].Value) != "" {
		t.Errorf("Tags %+v", r.Tags)
	}
	enc := aws.ToString(r.AssumeRolePolicyDocument)
	if strings.ContainsAny(enc, "{\" +") || !strings.HasPrefix(enc, "%7B%0A%20%20%22Version%22%3A%20%222012-10-17%22") {
		t.Errorf("document not URL-encoded as by AWS: %s", enc)
	}
	if dec, err := url.QueryUnescape(enc); err != nil || dec != doc {
		t.Errorf("decoded document %q, %v", dec, err)
	}
	if aws.ToString(created.Role.AssumeRolePolicyDocument) != enc {
		t.Errorf("CreateRole document %s", aws.ToString(created.Role.AssumeRolePolicyDocument))
	}

	_, err = ic.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("missing")})
	wantAPIError(t, err, 404, "NoSuchEntity", "The role with name missing cannot be found.")
	var nse *iamtypes.NoSuchEntityException
	if !errors.As(err, &nse) {
		t.Errorf("error type %T", err)
	}
	_, err = ic.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("ADMIN"), AssumeRolePolicyDocument: aws.String(doc)})
	wantAPIError(t, err, 409, "EntityAlreadyExists", "Role with name ADMIN already exists.")
	var eae *iamtypes.EntityAlreadyExistsException
	if !errors.As(err, &eae) {
		t.Errorf("error type %T", err)
	}

	for _, bad := range []struct{ doc, msg string }{
		{`{"Version":"2012-10-17","Statement":[`, "This policy contains invalid Json"},
		{trustDoc(acct, false)[:20], "invalid Json"},
		{strings.Replace(trustDoc(acct, false), "sts:AssumeRole", "s3:GetObject", 1), "AssumeRole policy may only specify STS AssumeRole actions."},
		{strings.Replace(trustDoc(acct, false), ":root", ":user/nobody", 1), `Invalid principal in policy: "AWS":"arn:aws:iam::111111111111:user/nobody"`},
	} {
		_, err = ic.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("bad"), AssumeRolePolicyDocument: aws.String(bad.doc)})
		wantAPIError(t, err, 400, "MalformedPolicyDocument", bad.msg)
	}
	_, err = ic.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("Admin"), PolicyDocument: aws.String("nope")})
	wantAPIError(t, err, 400, "MalformedPolicyDocument", "invalid Json")
	_, err = ic.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("bad name!"), AssumeRolePolicyDocument: aws.String(doc), MaxSessionDuration: aws.Int32(60)})
	wantAPIError(t, err, 400, "ValidationError", "2 validation errors detected: Value 'bad name!' at 'roleName' failed to satisfy constraint")

	// Tags.
	if _, err := ic.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String("Admin"), Tags: []iamtypes.Tag{{Key: aws.String("OWNER"), Value: aws.String("x")}, {Key: aws.String("team"), Value: aws.String("y")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := ic.UntagRole(ctx, &iam.UntagRoleInput{RoleName: aws.String("Admin"), TagKeys: []string{"empty"}}); err != nil {
		t.Fatal(err)
	}
	out, _ = ic.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("Admin")})
	var tags []string
	for _, tg := range out.Role.Tags {
		tags = append(tags, aws.ToString(tg.Key)+"="+aws.ToString(tg.Value))
	}
	if !slices.Equal(tags, []string{"OWNER=x", "team=y"}) {
		t.Errorf("tags after TagRole/UntagRole: %v", tags)
	}
	_, err = ic.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String("Admin"), Tags: []iamtypes.Tag{{Key: aws.String("a"), Value: aws.String("1")}, {Key: aws.String("A"), Value: aws.String("2")}}})
	wantAPIError(t, err, 400, "InvalidInput", "Duplicate tag keys found.")
}

func TestIAMCreateRoleWithTrustPolicy(t *testing.T) {
	s := newServer(t)
	alice := userCreds(s, acct, "alice")
	// A role whose trust admits the wrong account.
	doc := trustDoc(acct3, false)
	arn := s.CreateRoleWithTrustPolicy(Role{Account: acct2, Name: "wrong", Actions: []string{"*"}}, doc)
	_, err := client(s, alice).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(arn), RoleSessionName: aws.String("aa")})
	wantAPIError(t, err, 403, "AccessDenied", "sts:AssumeRole")

	bob := userCreds(s, acct2, "bob")
	out, err := iamClient(s, bob).GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("wrong")})
	if err != nil {
		t.Fatal(err)
	}
	if dec, _ := url.PathUnescape(aws.ToString(out.Role.AssumeRolePolicyDocument)); dec != doc {
		t.Errorf("document %s", dec)
	}
	// Fixing the trust from Go shows in GetRole.
	s.SetTrust(arn, []string{acct}, nil, false)
	assume(t, client(s, alice), &sts.AssumeRoleInput{RoleArn: aws.String(arn)})
	out, _ = iamClient(s, bob).GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("wrong")})
	dec, _ := url.PathUnescape(aws.ToString(out.Role.AssumeRolePolicyDocument))
	if p, err := ParseTrustPolicy(dec); err != nil || p.Statements[0].Principals[0] != "arn:aws:iam::111111111111:root" {
		t.Errorf("document after SetTrust %s: %v", dec, err)
	}
	// Roles created in Go have documents too.
	goRole := s.CreateRole(Role{Account: acct2, Name: "go", TrustedAccounts: []string{acct}, RequireMFA: true})
	out, err = iamClient(s, bob).GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("go")})
	if err != nil || aws.ToString(out.Role.Arn) != goRole {
		t.Fatalf("GetRole of a Go role: %v %v", out, err)
	}
	if _, ok := s.RoleTrustPolicy("arn:aws:iam::222222222222:role/none"); ok {
		t.Error("RoleTrustPolicy of a missing role")
	}
}

func TestIAMPermissions(t *testing.T) {
	s := newServer(t)
	alice := userCreds(s, acct, "alice")
	dave := userCreds(s, acct, "dave")
	s.SetUserActions(acct, "dave", "iam:GetRole", "iam:List*")
	dc := iamClient(s, dave)
	_, err := dc.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("NAME"), AssumeRolePolicyDocument: aws.String(trustDoc(acct, false))})
	wantAPIError(t, err, 403, "AccessDenied", "User: arn:aws:iam::111111111111:user/dave is not authorized to perform: iam:CreateRole on resource: arn:aws:iam::111111111111:role/NAME")
	// Authorisation comes before existence, as in AWS.
	_, err = dc.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("nothing")})
	wantAPIError(t, err, 403, "AccessDenied", "iam:DeleteRole on resource: arn:aws:iam::111111111111:role/nothing")
	_, err = dc.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("nothing")})
	wantAPIError(t, err, 404, "NoSuchEntity", "nothing")
	// Restricted users lose administrator access elsewhere too.
	_, err = client(s, dave).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::111111111111:role/x"), RoleSessionName: aws.String("dd")})
	wantAPIError(t, err, 403, "AccessDenied", "sts:AssumeRole")

	// Role sessions act with their role's permissions, from Actions or
	// attached managed policies.
	ac := iamClient(s, alice)
	if _, err := ac.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("reader"), AssumeRolePolicyDocument: aws.String(trustDoc(acct, false))}); err != nil {
		t.Fatal(err)
	}
	if _, err := ac.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("reader"), PolicyArn: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")}); err != nil {
		t.Fatal(err)
	}
	rc, _ := assume(t, client(s, alice), &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::111111111111:role/reader"), RoleSessionName: aws.String("rr")})
	if _, err := iamClient(s, rc).GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("reader")}); err != nil {
		t.Errorf("ReadOnlyAccess GetRole: %v", err)
	}
	_, err = iamClient(s, rc).AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("reader"), PolicyArn: aws.String(adminPolicy)})
	wantAPIError(t, err, 403, "AccessDenied", "User: arn:aws:sts::111111111111:assumed-role/reader/rr is not authorized to perform: iam:AttachRolePolicy on resource: arn:aws:iam::111111111111:role/reader")
	// Attaching AdministratorAccess takes effect for existing sessions,
	// and detaching it again removes it.
	if _, err := ac.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("reader"), PolicyArn: aws.String(adminPolicy)}); err != nil {
		t.Fatal(err)
	}
	if _, err := iamClient(s, rc).TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String("reader"), Tags: []iamtypes.Tag{{Key: aws.String("k"), Value: aws.String("v")}}}); err != nil {
		t.Errorf("after AdministratorAccess: %v", err)
	}
	if _, err := ac.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String("reader"), PolicyArn: aws.String(adminPolicy)}); err != nil {
		t.Fatal(err)
	}
	_, err = iamClient(s, rc).TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String("reader"), Tags: []iamtypes.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
	wantAPIError(t, err, 403, "AccessDenied", "iam:TagRole")

	// Go-created roles with Actions.
	limited := s.CreateRole(Role{Account: acct, Name: "limited", TrustedAccounts: []string{acct}, Actions: []string{"iam:GetRole"}})
	lc, _ := assume(t, client(s, alice), &sts.AssumeRoleInput{RoleArn: aws.String(limited)})
	if _, err := iamClient(s, lc).GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("limited")}); err != nil {
		t.Errorf("iam:GetRole role: %v", err)
	}
	_, err = iamClient(s, lc).ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String("limited")})
	wantAPIError(t, err, 403, "AccessDenied", "iam:ListAttachedRolePolicies")

	// GetSessionToken sessions may call IAM only if obtained with MFA.
	_, err = iamClient(s, sessionCreds(client(s, alice), t)).GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("limited")})
	wantAPIError(t, err, 403, "InvalidClientTokenId", "The security token included in the request is invalid.")
	serial, seed := s.EnableMFA(acct, "alice", "phone")
	out, err := client(s, alice).GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: aws.String(serial), TokenCode: aws.String(mfaCode(t, seed, time.Now(), 0))})
	if err != nil {
		t.Fatal(err)
	}
	mfaSess := fromSTS(out.Credentials.AccessKeyId, out.Credentials.SecretAccessKey, out.Credentials.SessionToken)
	if _, err := iamClient(s, mfaSess).GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("limited")}); err != nil {
		t.Errorf("MFA session GetRole: %v", err)
	}

	// IAM is global: any signing region is accepted.
	euc := iam.NewFromConfig(aws.Config{Region: "eu-west-1", Credentials: alice.provider(), BaseEndpoint: aws.String(s.URL)})
	if _, err := euc.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("limited")}); err != nil {
		t.Errorf("eu-west-1: %v", err)
	}
}

func TestIAMAttachedPolicies(t *testing.T) {
	s := newServer(t)
	alice := userCreds(s, acct, "alice")
	ic := iamClient(s, alice)
	name := aws.String("r")
	if _, err := ic.CreateRole(ctx, &iam.CreateRoleInput{RoleName: name, AssumeRolePolicyDocument: aws.String(trustDoc(acct, false))}); err != nil {
		t.Fatal(err)
	}
	arn := "arn:aws:iam::111111111111:role/r"
	policies := []string{
		adminPolicy,
		"arn:aws:iam::aws:policy/job-function/ViewOnlyAccess",
		"arn:aws:iam::aws:policy/AWSOrganizationsReadOnlyAccess",
		"arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
	}
	for _, p := range append(policies, adminPolicy) { // attaching twice is a no-op
		if _, err := ic.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: name, PolicyArn: aws.String(p)}); err != nil {
			t.Fatalf("attach %s: %v", p, err)
		}
	}
	_, err := ic.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: name, PolicyArn: aws.String("arn:aws:iam::aws:policy/AdministatorAccess")})
	wantAPIError(t, err, 404, "NoSuchEntity", "Policy arn:aws:iam::aws:policy/AdministatorAccess does not exist or is not attachable.")
	_, err = ic.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: name, PolicyArn: aws.String("not-an-arn-at-all-really")})
	wantAPIError(t, err, 400, "InvalidInput", "ARN not-an-arn-at-all-really is not valid.")
	_, err = ic.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("none"), PolicyArn: aws.String(adminPolicy)})
	wantAPIError(t, err, 404, "NoSuchEntity", "The role with name none cannot be found.")
	if got := s.AttachedPolicies(arn); !slices.Equal(got, policies) {
		t.Errorf("AttachedPolicies %v", got)
	}

	// Pages of one with Marker and IsTruncated.
	var got []string
	p := iam.NewListAttachedRolePoliciesPaginator(ic, &iam.ListAttachedRolePoliciesInput{RoleName: name, MaxItems: aws.Int32(1)})
	pages := 0
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if len(out.AttachedPolicies) != 1 || out.IsTruncated != (pages < 4) {
			t.Fatalf("page %d: %+v", pages, out)
		}
		a := out.AttachedPolicies[0]
		got = append(got, aws.ToString(a.PolicyArn))
		if !strings.HasSuffix(aws.ToString(a.PolicyArn), "/"+aws.ToString(a.PolicyName)) {
			t.Errorf("PolicyName %s", aws.ToString(a.PolicyName))
		}
	}
	if !slices.Equal(got, policies) {
		t.Errorf("listed %v", got)
	}
	out, err := ic.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: name, PathPrefix: aws.String("/job-function/")})
	if err != nil || len(out.AttachedPolicies) != 1 || aws.ToString(out.AttachedPolicies[0].PolicyName) != "ViewOnlyAccess" || out.IsTruncated {
		t.Errorf("PathPrefix: %+v %v", out, err)
	}
	_, err = ic.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: name, Marker: aws.String("forged")})
	wantAPIError(t, err, 400, "ValidationError", "Invalid Marker")

	// DeleteRole needs the policies detached; then the role is gone.
	_, err = ic.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: name})
	wantAPIError(t, err, 409, "DeleteConflict", "Cannot delete entity, must detach all policies first.")
	for _, p := range policies {
		if _, err := ic.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: name, PolicyArn: aws.String(p)}); err != nil {
			t.Fatal(err)
		}
	}
	_, err = ic.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: name, PolicyArn: aws.String(adminPolicy)})
	wantAPIError(t, err, 404, "NoSuchEntity", "was not found")
	out, err = ic.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: name})
	if err != nil || len(out.AttachedPolicies) != 0 || out.AttachedPolicies == nil {
		t.Errorf("empty list: %+v %v", out, err)
	}
	sess, _ := assume(t, client(s, alice), &sts.AssumeRoleInput{RoleArn: aws.String(arn)})
	if _, err := ic.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: name}); err != nil {
		t.Fatal(err)
	}
	_, err = client(s, alice).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(arn), RoleSessionName: aws.String("xx")})
	wantAPIError(t, err, 403, "AccessDenied", "sts:AssumeRole")
	_, err = iamClient(s, sess).GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("anything")})
	wantAPIError(t, err, 403, "AccessDenied", "iam:GetRole")
	if _, ok := s.RoleTrustPolicy(arn); ok {
		t.Error("deleted role still has a trust policy")
	}
}
