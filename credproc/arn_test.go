package credproc

import (
	"regexp"
	"testing"
)

// The hand-written checks must accept exactly what IAM's documented
// patterns accept; the patterns live here, where compiling them is free.
var reference = []struct {
	name  string
	re    *regexp.Regexp
	check func(string) bool
}{
	{"account", regexp.MustCompile(`^[0-9]{12}$`), func(s string) bool { return CheckAccountID(s) == nil }},
	{"role name", regexp.MustCompile(`^[\w+=,.@-]{1,64}$`), validRoleName},
	{"session name", regexp.MustCompile(`^[\w+=,.@-]{2,64}$`), validSessionName},
	{"external id", regexp.MustCompile(`^[\w+=,.@:/-]{2,1000}$`), func(s string) bool { return len(s) <= 1000 && validExternalID(s) }},
	{"mfa serial", regexp.MustCompile(`^(arn:(aws|aws-cn|aws-us-gov):iam::[0-9]{12}:mfa/[\w+=,.@/-]{1,512}|[\w+=/:,.@-]{9,256})$`), validMFASerial},
	{"region", regexp.MustCompile(`^[a-z]{2}(-[a-z0-9]+){1,3}-[0-9]{1,2}$`), validRegion},
	{"role arn", regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov):iam::([0-9]{12}):role/((?:[\x21-\x7e]*/)?)([\w+=,.@-]{1,64})$`), func(s string) bool { _, err := ParseRoleARN(s); return err == nil }},
}

var samples = []string{
	"", "1", "123456789012", "12345678901", "1234567890123", "12345678901a",
	"OrganizationAccountAccessRole", "a", "a b", "é", "x@y.z+=,-_",
	"us-east-1", "us-gov-west-1", "cn-north-1", "eu-central-2", "ap-southeast-10", "US-east-1", "us-east", "u-east-1", "us--1", "us-east-100", "us-east-1-",
	"arn:aws:iam::111111111111:mfa/alice", "arn:aws:iam::111111111111:mfa/a/b", "arn:aws:iam::111111111111:mfa/", "GAHT12345678", "short",
	"arn:aws:iam::222222222222:role/OrganizationAccountAccessRole", "arn:aws-cn:iam::222222222222:role/path/to/R",
	"arn:aws:iam::222222222222:role/", "arn:aws:iam::222222222222:user/R", "arn:aws:iam::2222:role/R", "arn:aws:iam::222222222222:role/a b",
	"arn:aws:iam::222222222222:role//R", "arn:azure:iam::222222222222:role/R", "arn:aws:sts::222222222222:role/R",
}

func TestChecksMatchIAMPatterns(t *testing.T) {
	for _, r := range reference {
		for _, s := range samples {
			if got, want := r.check(s), r.re.MatchString(s); got != want {
				t.Errorf("%s %q: got %v, pattern says %v", r.name, s, got, want)
			}
		}
	}
}

func FuzzChecksMatchIAMPatterns(f *testing.F) {
	for _, s := range samples {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, r := range reference {
			if got, want := r.check(s), r.re.MatchString(s); got != want {
				t.Fatalf("%s %q: got %v, pattern says %v", r.name, s, got, want)
			}
		}
	})
}
