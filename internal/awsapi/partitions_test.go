package awsapi

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestPartitionsMatchSDK: the embedded partition data is the SDK's own, at
// the version go.mod names (run `go generate ./internal/awsapi` after an
// SDK update).
func TestPartitionsMatchSDK(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/aws/aws-sdk-go-v2").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	sdk, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), "internal", "endpoints", "awsrulesfn", "partitions.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(sdk, partitionsJSON) {
		t.Fatal("internal/awsapi/partitions.json differs from the SDK's: run `go generate ./internal/awsapi`")
	}
}

func TestPartition(t *testing.T) {
	for region, want := range map[string]string{
		"us-east-1": "aws", "eu-west-1": "aws", "cn-north-1": "aws-cn", "us-gov-west-1": "aws-us-gov",
		"us-iso-east-1": "aws-iso", "us-isob-east-1": "aws-iso-b", "eu-isoe-west-1": "aws-iso-e",
		"us-isof-south-1": "aws-iso-f", "eusc-de-east-1": "aws-eusc",
		// Not named in the data, claimed by a partition's pattern.
		"eu-north-9": "aws", "cn-south-7": "aws-cn", "us-iso-north-4": "aws-iso",
		// Nobody's: the SDK's rules fall back to aws.
		"xx-yy-1": "aws",
	} {
		if got := Partition(region); got != want {
			t.Errorf("Partition(%q) = %q, want %q", region, got, want)
		}
	}
	var ids []string
	for _, p := range Partitions() {
		ids = append(ids, p.ID)
	}
	for _, id := range []string{"aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc"} {
		if !slices.Contains(ids, id) {
			t.Errorf("partition %s missing from %v", id, ids)
		}
	}
	if _, known := LookupPartition("eu-north-9"); known {
		t.Error("eu-north-9 taken for a known region")
	}
	if got := NearestRegions("eu-wset-1", 3); len(got) != 3 || got[0] != "eu-west-1" {
		t.Errorf("nearest to eu-wset-1: %v", got)
	}
}
