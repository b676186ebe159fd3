package awstest

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// TestAccessKeyLifecycle drives the access-key actions through the real
// SDK client: two keys at most, an inactive key refused by STS, a deleted
// key gone from the list and refused too.
func TestAccessKeyLifecycle(t *testing.T) {
	s := newServer(t)
	ctx := context.Background()
	alice := userCreds(s, acct, "alice")
	ic := iamClient(s, alice)

	list := func(c *iam.Client) []iamtypes.AccessKeyMetadata {
		t.Helper()
		out, err := c.ListAccessKeys(ctx, &iam.ListAccessKeysInput{})
		if err != nil {
			t.Fatalf("ListAccessKeys: %v", err)
		}
		return out.AccessKeyMetadata
	}
	if got := list(ic); len(got) != 1 || aws.ToString(got[0].AccessKeyId) != alice.id || got[0].Status != iamtypes.StatusTypeActive || got[0].CreateDate == nil {
		t.Fatalf("keys %+v", got)
	}
	out, err := ic.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	fresh := creds{id: aws.ToString(out.AccessKey.AccessKeyId), secret: aws.ToString(out.AccessKey.SecretAccessKey)}
	if callerARN(t, client(s, fresh)) != "arn:aws:iam::111111111111:user/alice" {
		t.Fatal("new key does not sign as alice")
	}
	_, err = ic.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{})
	wantAPIError(t, err, http.StatusConflict, "LimitExceeded", "AccessKeysPerUser: 2")

	fc := iamClient(s, fresh)
	if _, err := fc.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{AccessKeyId: aws.String(alice.id), Status: iamtypes.StatusTypeInactive}); err != nil {
		t.Fatal(err)
	}
	_, err = client(s, alice).GetCallerIdentity(ctx, nil)
	wantAPIError(t, err, http.StatusForbidden, "InvalidClientTokenId", "")
	if got := list(fc); len(got) != 2 || got[0].Status != iamtypes.StatusTypeInactive {
		t.Fatalf("after deactivation: %+v", got)
	}
	if _, err := fc.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{AccessKeyId: aws.String(alice.id)}); err != nil {
		t.Fatal(err)
	}
	if got := list(fc); len(got) != 1 || aws.ToString(got[0].AccessKeyId) != fresh.id {
		t.Fatalf("after deletion: %+v", got)
	}
	_, err = fc.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{AccessKeyId: aws.String(alice.id)})
	wantAPIError(t, err, http.StatusNotFound, "NoSuchEntity", alice.id)
	if s.AccessKeys(acct, "alice")[0] != fresh.id {
		t.Fatal("AccessKeys disagrees with ListAccessKeys")
	}
}

// TestAccessKeyPermissions: another user's keys need iam permissions on
// that user; a user limited to sts may not touch even their own keys.
func TestAccessKeyPermissions(t *testing.T) {
	s := newServer(t)
	ctx := context.Background()
	userCreds(s, acct, "alice")
	bob := userCreds(s, acct, "bob")
	s.SetUserAllowedRoles(acct, "bob") // bob: sts:AssumeRole on nothing, no IAM
	_, err := iamClient(s, bob).ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("alice")})
	wantAPIError(t, err, http.StatusForbidden, "AccessDenied", "iam:ListAccessKeys")
	_, err = iamClient(s, bob).CreateAccessKey(ctx, &iam.CreateAccessKeyInput{})
	wantAPIError(t, err, http.StatusForbidden, "AccessDenied", "iam:CreateAccessKey")
	if n := len(s.AccessKeys(acct, "bob")); n != 1 {
		t.Fatalf("bob has %d keys", n)
	}
}

// TestKeyPropagationAndFailNext: a new key is refused until it has
// propagated; FailNext fails one call and changes nothing.
func TestKeyPropagationAndFailNext(t *testing.T) {
	s := newServer(t)
	ctx := context.Background()
	now := time.Now()
	s.SetClock(func() time.Time { return now })
	alice := userCreds(s, acct, "alice")
	ic := iamClient(s, alice)
	s.SetKeyPropagation(5 * time.Second)
	out, err := ic.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	fresh := creds{id: aws.ToString(out.AccessKey.AccessKeyId), secret: aws.ToString(out.AccessKey.SecretAccessKey)}
	_, err = client(s, fresh).GetCallerIdentity(ctx, nil)
	wantAPIError(t, err, http.StatusForbidden, "InvalidClientTokenId", "")
	now = now.Add(6 * time.Second)
	callerARN(t, client(s, fresh))

	s.FailNext("UpdateAccessKey", "AccessDenied")
	_, err = ic.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{AccessKeyId: aws.String(fresh.id), Status: iamtypes.StatusTypeInactive})
	wantAPIError(t, err, http.StatusForbidden, "AccessDenied", "injected")
	callerARN(t, client(s, fresh))
	if _, err := ic.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{AccessKeyId: aws.String(fresh.id), Status: iamtypes.StatusTypeInactive}); err != nil {
		t.Fatal(err)
	}
}
