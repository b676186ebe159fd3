package credproc

import (
	"fmt"
	"strings"

	"github.com/credproc/credproc/internal/awsapi"
)

// DefaultRoleName is the role AWS Organizations creates in every new member
// account, and the name AWS recommends for the role in invited accounts.
const DefaultRoleName = "OrganizationAccountAccessRole"

// IAM's name rules are checked by hand, not with regexp: every
// credential_process call would compile the patterns at package init, and
// that costs more than the rest of a cache hit (GODEBUG=inittrace=1 shows it).

// Word characters plus the extras IAM allows in each kind of name.
const (
	nameExtras       = "+=,.@-"
	externalIDExtras = "+=,.@:/-"
	mfaPathExtras    = "+=,.@/-"
	mfaSerialExtras  = "+=/:,.@-"
)

// NameChars reports whether s has min to max characters, each a letter,
// digit, underscore or one of extra (IAM's [\w+=,.@-] style patterns).
func NameChars(s string, min, max int, extra string) bool {
	if len(s) < min || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || strings.IndexByte(extra, c) >= 0) {
			return false
		}
	}
	return true
}

func digits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// cutARN splits "arn:PARTITION:iam::ACCOUNT:RESOURCE" for IAM ARNs.
func cutARN(s string) (partition, account, resource string, ok bool) {
	rest, ok := strings.CutPrefix(s, "arn:")
	if !ok {
		return "", "", "", false
	}
	partition, rest, _ = strings.Cut(rest, ":")
	if !validPartitionName(partition) {
		return "", "", "", false
	}
	rest, ok = strings.CutPrefix(rest, "iam::")
	if !ok {
		return "", "", "", false
	}
	account, resource, ok = strings.Cut(rest, ":")
	if !ok || !digits(account, 12) {
		return "", "", "", false
	}
	return partition, account, resource, true
}

// validPartitionName accepts the shape of AWS partition IDs (aws, aws-cn,
// aws-iso-b, aws-eusc, and those to come): which exist is the SDK's
// partition data's business, checked off the cache-hit path.
func validPartitionName(p string) bool {
	if p != "aws" && !strings.HasPrefix(p, "aws-") || len(p) > 32 || strings.HasSuffix(p, "-") || strings.Contains(p, "--") {
		return false
	}
	for i := 0; i < len(p); i++ {
		if c := p[i]; !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

func validRoleName(s string) bool { return NameChars(s, 1, 64, nameExtras) }

func validSessionName(s string) bool { return NameChars(s, 2, 64, nameExtras) }

func validExternalID(s string) bool { return NameChars(s, 2, 1224, externalIDExtras) }

// validMFASerial accepts a virtual device ARN or a hardware serial number.
func validMFASerial(s string) bool {
	if _, _, res, ok := cutARN(s); ok {
		if dev, ok := strings.CutPrefix(res, "mfa/"); ok && NameChars(dev, 1, 512, mfaPathExtras) {
			return true
		}
	}
	return NameChars(s, 9, 256, mfaSerialExtras)
}

// validRegion accepts names like us-east-1, eu-central-2, us-gov-west-1.
func validRegion(s string) bool {
	parts := strings.Split(s, "-")
	if len(parts) < 3 || len(parts) > 5 {
		return false
	}
	if p := parts[0]; len(p) < 2 || len(p) > 4 || !NameChars(p, 2, 4, "") || strings.ToLower(p) != p || strings.ContainsAny(p, "0123456789_") {
		return false
	}
	last := parts[len(parts)-1]
	if len(last) < 1 || len(last) > 2 || !digits(last, len(last)) {
		return false
	}
	for _, p := range parts[1 : len(parts)-1] {
		if p == "" || strings.ToLower(p) != p || !NameChars(p, 1, 64, "") || strings.Contains(p, "_") {
			return false
		}
	}
	return true
}

// Partition returns the AWS partition that a region belongs to.
func Partition(region string) string { return awsapi.Partition(region) }

// RoleARN builds the ARN of role name in account, in the partition of region.
func RoleARN(region, account, name string) (string, error) {
	if err := CheckAccountID(account); err != nil {
		return "", err
	}
	if !validRoleName(name) {
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
	p, ok := parseRoleARN(s)
	if !ok {
		return ParsedRoleARN{}, fmt.Errorf("invalid role ARN %q: want arn:aws:iam::123456789012:role/NAME", s)
	}
	return p, nil
}

// parseRoleARN is ParseRoleARN without the error, which the cache hit
// would pay for on every call.
func parseRoleARN(s string) (ParsedRoleARN, bool) {
	partition, account, res, ok := cutARN(s)
	if !ok {
		return ParsedRoleARN{}, false
	}
	pathName, ok := strings.CutPrefix(res, "role/")
	if !ok {
		return ParsedRoleARN{}, false
	}
	i := strings.LastIndexByte(pathName, '/')
	path, name := pathName[:i+1], pathName[i+1:]
	for j := 0; j < len(path); j++ {
		if path[j] < 0x21 || path[j] > 0x7e {
			return ParsedRoleARN{}, false
		}
	}
	if !validRoleName(name) {
		return ParsedRoleARN{}, false
	}
	return ParsedRoleARN{Partition: partition, Account: account, Path: "/" + path, Name: name}, true
}

// CheckAccountID reports whether s is a 12-digit AWS account ID.
func CheckAccountID(s string) error {
	if !digits(s, 12) {
		return fmt.Errorf("invalid account ID %q: an AWS account ID is exactly 12 digits", s)
	}
	return nil
}

// CheckRegion reports whether s looks like an AWS region name. It reads no
// data: the cache hit calls it.
func CheckRegion(s string) error {
	if !validRegion(s) {
		return fmt.Errorf("invalid region %q: want a region name such as us-east-1", s)
	}
	return nil
}

// CheckKnownRegion reports whether the SDK's partition data names region;
// for a name it does not know, the error suggests the nearest ones.
func CheckKnownRegion(region string) error {
	if err := CheckRegion(region); err != nil {
		return err
	}
	if _, known := awsapi.LookupPartition(region); known {
		return nil
	}
	return &Error{
		Msg:  fmt.Sprintf("unknown region %q; did you mean %s?", region, strings.Join(awsapi.NearestRegions(region, 3), ", ")),
		Hint: "a region the AWS SDK does not know yet needs a newer credproc build",
	}
}

// CheckPartition reports a role ARN whose partition is not its region's,
// from the SDK's partition data (off the cache-hit path).
func (s *Settings) CheckPartition() error {
	if s.RoleARN == "" || s.Region == "" {
		return nil
	}
	if p, _ := ParseRoleARN(s.RoleARN); p.Partition != Partition(s.Region) {
		return fmt.Errorf("role %s is in partition %s but region %s is in %s", s.RoleARN, p.Partition, s.Region, Partition(s.Region))
	}
	return nil
}
