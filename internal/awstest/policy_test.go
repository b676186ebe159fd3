package awstest

import (
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

func TestParseTrustPolicy(t *testing.T) {
	for _, tc := range []struct {
		name, doc string
		want      TrustPolicy
	}{
		{"account root, MFA", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}`,
			TrustPolicy{Version: "2012-10-17", Statements: []TrustStatement{{Effect: "Allow", Principals: []string{"arn:aws:iam::111111111111:root"}, Actions: []string{"sts:AssumeRole"},
				Conditions: []Condition{{Operator: "Bool", Key: "aws:MultiFactorAuthPresent", Values: []string{"true"}}}}}}},
		{"bare IDs in a list, single statement object, JSON boolean", `{"Version":"2012-10-17","Statement":{"Sid":"x","Effect":"Allow","Principal":{"AWS":["111111111111","arn:aws:iam::222222222222:user/a/b"]},"Action":["sts:AssumeRole","sts:TagSession"],"Condition":{"Bool":{"aws:MultiFactorAuthPresent":true}}}}`,
			TrustPolicy{Version: "2012-10-17", Statements: []TrustStatement{{Sid: "x", Effect: "Allow", Principals: []string{"arn:aws:iam::111111111111:root", "arn:aws:iam::222222222222:user/a/b"}, Actions: []string{"sts:AssumeRole", "sts:TagSession"},
				Conditions: []Condition{{Operator: "Bool", Key: "aws:MultiFactorAuthPresent", Values: []string{"true"}}}}}}},
		{"external ID, star principal, services", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:*","Condition":{"StringEquals":{"sts:ExternalId":["a","b"]}}},{"Effect":"Deny","Principal":{"Service":"ec2.amazonaws.com","Federated":"cognito-identity.amazonaws.com"},"Action":"sts:AssumeRoleWithWebIdentity"}]}`,
			TrustPolicy{Statements: []TrustStatement{
				{Effect: "Allow", Principals: []string{"*"}, Actions: []string{"sts:*"}, Conditions: []Condition{{Operator: "StringEquals", Key: "sts:ExternalId", Values: []string{"a", "b"}}}},
				{Effect: "Deny", Services: []string{"ec2.amazonaws.com"}, Federated: []string{"cognito-identity.amazonaws.com"}, Actions: []string{"sts:AssumeRoleWithWebIdentity"}},
			}}},
	} {
		got, err := ParseTrustPolicy(tc.doc)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.name, got, tc.want)
		}
		// Document renders a document that parses back to the same policy.
		again, err := ParseTrustPolicy(got.Document())
		if err != nil || !reflect.DeepEqual(again, got) {
			t.Errorf("%s: round trip of %s: %+v, %v", tc.name, got.Document(), again, err)
		}
	}
}

func TestParseTrustPolicyErrors(t *testing.T) {
	stmt := func(s string) string { return `{"Version":"2012-10-17","Statement":[` + s + `]}` }
	for _, tc := range []struct{ doc, msg string }{
		{`{`, "invalid Json"},
		{`{"Statement":[]} {}`, "invalid Json"},
		{`{"Version":"2012-10-18","Statement":[]}`, "valid version"},
		{`{"Version":"2012-10-17"}`, "Missing required field Statement"},
		{`{"Version":"2012-10-17","statement":[]}`, "unknown element"},
		{stmt(`{"Effect":"Allow","Action":"sts:AssumeRole"}`), "Missing required field Principal"},
		{stmt(`{"Effect":"Allow","Principal":{"AWS":"alice"},"Action":"sts:AssumeRole"}`), `Invalid principal in policy: "AWS":"alice"`},
		{stmt(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::1234:root"},"Action":"sts:AssumeRole"}`), "Invalid principal"},
		{stmt(`{"Effect":"Allow","Principal":"alice","Action":"sts:AssumeRole"}`), "Invalid principal"},
		{stmt(`{"Effect":"Allow","Principal":{"CanonicalUser":"x"},"Action":"sts:AssumeRole"}`), "unsupported principal type"},
		{stmt(`{"Effect":"allow","Principal":"*","Action":"sts:AssumeRole"}`), "Effect"},
		{stmt(`{"Effect":"Allow","Principal":"*"}`), "Missing required field Action"},
		{stmt(`{"Effect":"Allow","Principal":"*","Action":"AssumeRole"}`), "Invalid action"},
		{stmt(`{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Resource":"*"}`), "Has prohibited field Resource"},
		{stmt(`{"Effect":"Allow","NotPrincipal":"*","Action":"sts:AssumeRole"}`), "NotPrincipal is not supported"},
		{stmt(`{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Condition":{"NumericLessThan":{"aws:MultiFactorAuthAge":"3600"}}}`), "not supported"},
		{stmt(`{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Condition":{"NullIfExists":{"a:b":"true"}}}`), "not supported"},
		{stmt(`{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Condition":{"Bool":{"aws:MultiFactorAuthPresent":{}}}}`), "Invalid value"},
	} {
		_, err := ParseTrustPolicy(tc.doc)
		if err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("ParseTrustPolicy(%s) = %v, want error containing %q", tc.doc, err, tc.msg)
		}
	}
}

func TestTrustPolicyFor(t *testing.T) {
	p, err := TrustPolicyFor([]string{"111111111111"}, []string{"arn:aws:iam::222222222222:role/x"}, true, "ext")
	if err != nil {
		t.Fatal(err)
	}
	want := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111111111111:root","arn:aws:iam::222222222222:role/x"]},"Action":"sts:AssumeRole","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"},"StringEquals":{"sts:ExternalId":"ext"}}}]}`
	if got := p.Document(); got != want {
		t.Errorf("Document:\n got %s\nwant %s", got, want)
	}
	if p, _ := TrustPolicyFor(nil, nil, true, ""); len(p.Statements) != 0 {
		t.Errorf("no principals: %+v", p)
	}
	for _, bad := range [][2][]string{{{"1234"}, nil}, {{"arn:aws:iam::111111111111:user/a"}, nil}, {nil, {"bob"}}} {
		if _, err := TrustPolicyFor(bad[0], bad[1], false, ""); err == nil {
			t.Errorf("TrustPolicyFor(%q, %q): no error", bad[0], bad[1])
		}
	}
}

// TestSetTrustPolicy evaluates parsed documents end to end: Deny wins,
// conditions on principal keys, IfExists.
func TestSetTrustPolicy(t *testing.T) {
	s := newServer(t)
	alice := userCreds(s, acct, "alice")
	bob := userCreds(s, acct, "bob")
	carol := userCreds(s, acct2, "carol")
	arn := s.CreateRole(Role{Account: acct3, Name: "r"})
	p, err := ParseTrustPolicy(`{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Principal":{"AWS":["` + acct + `","` + acct2 + `"]},"Action":"sts:AssumeRole",
		 "Condition":{"StringLike":{"aws:PrincipalArn":"arn:aws:iam::*:user/*"},"StringEqualsIfExists":{"sts:ExternalId":"e1"}}},
		{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::` + acct + `:user/bob"},"Action":"sts:*"},
		{"Effect":"Deny","Principal":"*","Action":"sts:AssumeRole","Condition":{"StringNotEquals":{"aws:PrincipalAccount":["` + acct + `","` + acct2 + `"]}}}
	]}`)
	if err != nil {
		t.Fatal(err)
	}
	s.SetTrustPolicy(arn, p)
	try := func(c creds, ext *string) error {
		_, err := client(s, c).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(arn), RoleSessionName: aws.String("ss"), ExternalId: ext})
		return err
	}
	if err := try(alice, nil); err != nil {
		t.Errorf("alice: %v", err)
	}
	if err := try(carol, aws.String("e1")); err != nil {
		t.Errorf("carol with external ID: %v", err)
	}
	wantAPIError(t, try(carol, aws.String("e2")), 403, "AccessDenied", "user/carol is not authorized")
	wantAPIError(t, try(bob, nil), 403, "AccessDenied", "user/bob is not authorized")

	// Hand-built policies may use bare account IDs too.
	s.SetTrustPolicy(arn, TrustPolicy{Statements: []TrustStatement{{Effect: "Allow", Principals: []string{acct2}, Actions: []string{"sts:AssumeRole"}}}})
	if try(carol, nil) != nil || try(alice, nil) == nil {
		t.Error("hand-built policy")
	}
}

func TestConditionMissingKeys(t *testing.T) {
	keys := map[string]string{"sts:externalid": "x"}
	for _, tc := range []struct {
		c    Condition
		want bool
	}{
		{Condition{"StringEquals", "sts:ExternalId", []string{"x"}}, true},
		{Condition{"StringEquals", "STS:EXTERNALID", []string{"y", "x"}}, true},
		{Condition{"StringNotEquals", "sts:ExternalId", []string{"x"}}, false},
		{Condition{"Bool", "aws:MultiFactorAuthPresent", []string{"true"}}, false},
		{Condition{"Bool", "aws:MultiFactorAuthPresent", []string{"false"}}, false},
		{Condition{"BoolIfExists", "aws:MultiFactorAuthPresent", []string{"true"}}, true},
		{Condition{"StringNotEquals", "aws:SourceIdentity", []string{"x"}}, true},
		{Condition{"Null", "aws:MultiFactorAuthPresent", []string{"true"}}, true},
		{Condition{"Null", "sts:ExternalId", []string{"true"}}, false},
		{Condition{"StringEqualsIgnoreCase", "sts:ExternalId", []string{"X"}}, true},
		{Condition{"StringLike", "sts:ExternalId", []string{"?"}}, true},
		{Condition{"StringNotLike", "sts:ExternalId", []string{"x*"}}, false},
	} {
		if got := tc.c.holds(keys); got != tc.want {
			t.Errorf("%+v: got %v", tc.c, got)
		}
	}
}

func TestWildcardMatch(t *testing.T) {
	for _, tc := range []struct {
		p, s string
		want bool
	}{
		{"*", "", true},
		{"", "", true},
		{"", "a", false},
		{"a*", "abc", true},
		{"*c", "abc", true},
		{"a*b*c", "aXbYbZc", true},
		{"a*b*c", "aXbYbZ", false},
		{"a?c", "abc", true},
		{"a?c", "ac", false},
		{"arn:aws:iam::*:role/admin-*", "arn:aws:iam::111111111111:role/admin-prod", true},
		{"arn:aws:iam::*:role/admin-*", "arn:aws:iam::111111111111:role/dev", false},
		{"**x", "yyx", true},
	} {
		if got := wildcardMatch(tc.p, tc.s); got != tc.want {
			t.Errorf("wildcardMatch(%q, %q) = %v", tc.p, tc.s, got)
		}
	}
	if !matchAction("STS:assume*", "sts:AssumeRole") {
		t.Error("actions are case-insensitive")
	}
}
