package credproc

import (
	"strings"
	"testing"
)

// TestRoleARNEveryPartition: setup --account writes the ARN partition of the
// region, for each of the partitions the SDK's data knows.
func TestRoleARNEveryPartition(t *testing.T) {
	for region, partition := range map[string]string{
		"eu-west-1": "aws", "cn-north-1": "aws-cn", "us-gov-west-1": "aws-us-gov",
		"us-iso-east-1": "aws-iso", "us-isob-east-1": "aws-iso-b", "eu-isoe-west-1": "aws-iso-e",
		"us-isof-south-1": "aws-iso-f", "eusc-de-east-1": "aws-eusc",
	} {
		if err := CheckKnownRegion(region); err != nil {
			t.Errorf("%s: %v", region, err)
		}
		arn, err := RoleARN(region, "222222222222", DefaultRoleName)
		if want := "arn:" + partition + ":iam::222222222222:role/" + DefaultRoleName; err != nil || arn != want {
			t.Errorf("%s: %s %v, want %s", region, arn, err, want)
		}
		s := &Settings{Source: "m", RoleARN: arn, Region: region, MFADuration: DefaultMFADuration, RefreshWindow: DefaultRefreshWindow}
		if err := s.Validate(); err != nil {
			t.Errorf("%s: %v", arn, err)
		}
		if err := s.CheckPartition(); err != nil {
			t.Errorf("%s: %v", arn, err)
		}
	}
	s := &Settings{Source: "m", RoleARN: "arn:aws-eusc:iam::222222222222:role/R", Region: "eu-west-1"}
	if err := s.CheckPartition(); err == nil || !strings.Contains(err.Error(), "partition aws-eusc but region eu-west-1 is in aws") {
		t.Errorf("mismatch: %v", err)
	}
}

func TestCheckKnownRegion(t *testing.T) {
	err := CheckKnownRegion("eu-wset-1")
	if err == nil || !strings.Contains(err.Error(), `unknown region "eu-wset-1"; did you mean eu-west-1`) {
		t.Errorf("eu-wset-1: %v", err)
	}
	if err := CheckKnownRegion("Mars"); err == nil || !strings.Contains(err.Error(), "invalid region") {
		t.Errorf("Mars: %v", err)
	}
}
