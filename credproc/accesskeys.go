package credproc

import (
	"context"
	"net/url"
	"time"

	"github.com/credproc/credproc/cache"
	"github.com/credproc/credproc/internal/awsapi"
)

// The IAM access-key calls of `credproc import` and `credproc rotate`, in
// one place so that the client under them can change alone.

// AccessKey is one of an IAM user's access keys, as ListAccessKeys shows it.
type AccessKey struct {
	ID      string    `xml:"AccessKeyId"`
	Status  string    `xml:"Status"` // Active or Inactive
	Created time.Time `xml:"CreateDate"`
}

// IAMKeys calls IAM's access-key actions for the user whose key (or MFA
// session of that key) signs them. With no user name IAM acts on the caller.
type IAMKeys struct {
	c *awsapi.Client
}

// NewIAMKeys returns an IAMKeys signing with c, for a caller in region.
func NewIAMKeys(c cache.Credentials, region string) *IAMKeys {
	return &IAMKeys{c: awsapi.New(awsapi.IAM, c, region)}
}

// List returns the caller's access keys (IAM allows two).
func (k *IAMKeys) List(ctx context.Context) ([]AccessKey, error) {
	var out struct {
		Keys []AccessKey `xml:"AccessKeyMetadata>member"`
	}
	if err := k.c.Query(ctx, "ListAccessKeys", url.Values{}, &out); err != nil {
		return nil, err
	}
	return out.Keys, nil
}

// Create makes a new access key for the caller.
func (k *IAMKeys) Create(ctx context.Context) (cache.Credentials, error) {
	var out struct {
		ID      string    `xml:"AccessKey>AccessKeyId"`
		Secret  string    `xml:"AccessKey>SecretAccessKey"`
		Created time.Time `xml:"AccessKey>CreateDate"`
	}
	if err := k.c.Query(ctx, "CreateAccessKey", url.Values{}, &out); err != nil {
		return cache.Credentials{}, err
	}
	if out.ID == "" || out.Secret == "" {
		return cache.Credentials{}, &Error{Msg: "iam:CreateAccessKey returned no key"}
	}
	created := out.Created.UTC()
	if created.IsZero() {
		created = time.Now().UTC()
	}
	return cache.Credentials{AccessKeyID: out.ID, SecretAccessKey: out.Secret, Created: created}, nil
}

// Deactivate sets the key inactive: STS rejects it from then on.
func (k *IAMKeys) Deactivate(ctx context.Context, id string) error {
	return k.c.Query(ctx, "UpdateAccessKey", url.Values{"AccessKeyId": {id}, "Status": {"Inactive"}}, nil)
}

// Delete deletes the key.
func (k *IAMKeys) Delete(ctx context.Context, id string) error {
	return k.c.Query(ctx, "DeleteAccessKey", url.Values{"AccessKeyId": {id}}, nil)
}

// KeyCreated asks IAM when key c was made, for its age; zero when IAM
// cannot say (no iam:ListAccessKeys permission, say).
func KeyCreated(ctx context.Context, c cache.Credentials, region string) time.Time {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	keys, err := NewIAMKeys(c, region).List(ctx)
	if err != nil {
		return time.Time{}
	}
	for _, k := range keys {
		if k.ID == c.AccessKeyID {
			return k.Created.UTC()
		}
	}
	return time.Time{}
}
