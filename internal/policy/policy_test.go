package policy

import (
	"strings"
	"testing"
)

// The trust policies init-role writes for management account 111111111111.
const (
	trustPlain = `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Principal": {
        "AWS": "arn:aws:iam::111111111111:root"
      },
      "Action": "sts:AssumeRole"
    }
  ]
}`
	trustMFA = `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Principal": {
        "AWS": "arn:aws:iam::111111111111:root"
      },
      "Action": "sts:AssumeRole",
      "Condition": {
        "Bool": {
          "aws:MultiFactorAuthPresent": "true"
        }
      }
    }
  ]
}`
)

func TestSame(t *testing.T) {
	want := trustMFA
	same := []string{
		want,
		// Compact, list forms, bare account ID, a Sid, other case in the
		// action and condition key, a JSON boolean, a duplicate statement.
		`{"Version":"2012-10-17","Statement":[{"Sid":"x","Effect":"Allow","Principal":{"AWS":["111111111111"]},"Action":["STS:AssumeRole"],"Condition":{"Bool":{"aws:multifactorauthpresent":true}}},` +
			`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole","Condition":{"Bool":{"aws:MultiFactorAuthPresent":["true"]}}}]}`,
		// A single statement object, no Version.
		`{"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"True"}}}}`,
	}
	for _, doc := range same {
		if ok, err := Same(doc, want, "aws"); err != nil || !ok {
			t.Errorf("Same(%s) = %v, %v; want true", doc, ok, err)
		}
	}
	differ := []string{
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole"}]}`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999999999999:root"},"Action":"sts:AssumeRole","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["111111111111","999999999999"]},"Action":"sts:AssumeRole","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":{"AWS":"111111111111"},"Action":"sts:AssumeRole","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}`,
	}
	for _, doc := range differ {
		if ok, err := Same(doc, want, "aws"); err != nil || ok {
			t.Errorf("Same(%s) = %v, %v; want false", doc, ok, err)
		}
	}
	if _, err := Same("not json", want, "aws"); err == nil {
		t.Error("samePolicy accepted a document that is not JSON")
	}
}

func TestTrustDifferences(t *testing.T) {
	plain, mfa := false, true
	for _, c := range []struct {
		name       string
		requireMFA bool
		have       string
		want       []string
	}{
		{"other account", plain,
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999999999999:root"},"Action":"sts:AssumeRole"}]}`,
			[]string{"the trust policy also trusts arn:aws:iam::999999999999:root", "the trust policy does not trust the management account 111111111111 (principal arn:aws:iam::111111111111:root)"}},
		{"MFA missing", mfa,
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"sts:AssumeRole"}]}`,
			[]string{"the trust policy does not require MFA, but --require-mfa was given"}},
		{"MFA not asked for", plain,
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"sts:AssumeRole","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}`,
			[]string{"the trust policy requires MFA (aws:MultiFactorAuthPresent), but --require-mfa was not given"}},
		{"external ID and a service", plain,
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111111111111","Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"x1"}}}]}`,
			[]string{"the trust policy also trusts Service:ec2.amazonaws.com", `the trust policy puts other conditions on the management account: {"StringEquals":{"sts:externalid":["x1"]}}`}},
		{"deny statement", plain,
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"sts:AssumeRole"},{"Effect":"Deny","Principal":"*","Action":"sts:AssumeRole"}]}`,
			[]string{`the trust policy has a statement init-role would not write: {"Action":["sts:assumerole"],"Effect":"Deny","Principal":"*"}`}},
	} {
		want := trustPlain
		if c.requireMFA {
			want = trustMFA
		}
		got := TrustDifferences(c.have, want, "111111111111", "aws", c.requireMFA)
		if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
			t.Errorf("%s: differences\n%s\nwant\n%s", c.name, strings.Join(got, "\n"), strings.Join(c.want, "\n"))
		}
	}
}

// FuzzCanonical: any document IAM could hand back is read without a
// panic, and one that reads means the same as itself and as its own
// canonical statements.
func FuzzCanonical(f *testing.F) {
	f.Add(trustPlain)
	f.Add(trustMFA)
	f.Add(`{"Statement":{"Effect":"Allow","Principal":"*","Action":["sts:*",1,true,null]}}`)
	f.Add(`{"Statement":[{"Condition":{"Null":{"k":[false]}},"NotPrincipal":{"AWS":"123456789012"}}]}`)
	f.Fuzz(func(t *testing.T, doc string) {
		keys, stmts, err := Canonical(doc, "aws")
		if err != nil {
			return
		}
		if len(keys) != len(stmts) {
			t.Fatalf("%d keys, %d statements", len(keys), len(stmts))
		}
		if same, err := Same(doc, doc, "aws"); err != nil || !same {
			t.Fatalf("Same(doc, doc) = %v, %v", same, err)
		}
		for _, st := range stmts {
			grantsAssumeRole(st)
			principals(st)
			requiresMFA(st)
		}
		TrustDifferences(doc, trustMFA, "111111111111", "aws", true)
	})
}
