package credproc

import (
	"fmt"
	"regexp"
	"strings"
)

// DefaultRoleName is the role AWS Organizations creates in every new member
// account, and the name AWS recommends for the role in invited accounts.
const DefaultRoleName = "OrganizationAccountAccessRole"

var (
	accountIDRe   = regexp.MustCompile(`^[0-9]{12}$`)
	roleNameRe    = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)
	roleARNRe     = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov):iam::([0-9]{12}):role/((?:[\x21-\x7e]*/)?)([\w+=,.@-]{1,64})$`)
	sessionNameRe = regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)
	externalIDRe  = regexp.MustCompile(`^[\w+=,.@:/-]+$`)
	mfaSerialRe   = regexp.MustCompile(`^(arn:(aws|aws-cn|aws-us-gov):iam::[0-9]{12}:mfa/[\w+=,.@/-]{1,512}|[\w+=/:,.@-]{9,256})$`)
	regionRe      = regexp.MustCompile(`^[a-z]{2}(-[a-z0-9]+){1,3}-[0-9]{1,2}$`)
)

// Partition returns the AWS partition that a region belongs to.
func Partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

// RoleARN builds the ARN of role name in account, in the partition of region.
func RoleARN(region, account, name string) (string, error) {
	if err := CheckAccountID(account); err != nil {
		return "", err
	}
	if !roleNameRe.MatchString(name) {
		return "", fmt.Errorf("invalid role name %q: use up to 64 letters, digits and +=,.@_-", name)
	}
	return "arn:" + Partition(region) + ":iam::" + account + ":role/" + name, nil
}

// ParsedRoleARN is a role ARN split into its parts.
type ParsedRoleARN struct {
	Partition, Account, Path, Name string
}

// ParseRoleARN checks that s is an IAM role ARN and splits it.
func ParseRoleARN(s string) (ParsedRoleARN, error) {
	m := roleARNRe.FindStringSubmatch(s)
	if m == nil {
		return ParsedRoleARN{}, fmt.Errorf("invalid role ARN %q: want arn:aws:iam::123456789012:role/NAME", s)
	}
	return ParsedRoleARN{Partition: m[1], Account: m[2], Path: "/" + m[3], Name: m[4]}, nil
}

// CheckAccountID reports whether s is a 12-digit AWS account ID.
func CheckAccountID(s string) error {
	if !accountIDRe.MatchString(s) {
		return fmt.Errorf("invalid account ID %q: an AWS account ID is exactly 12 digits", s)
	}
	return nil
}

// CheckRegion reports whether s looks like an AWS region name.
func CheckRegion(s string) error {
	if !regionRe.MatchString(s) {
		return fmt.Errorf("invalid region %q: want a region name such as us-east-1", s)
	}
	return nil
}
