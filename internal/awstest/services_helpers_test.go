package awstest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// iamClient returns a real IAM client signing with c, pointed at s.
func iamClient(s *Server, c creds) *iam.Client {
	return iam.NewFromConfig(aws.Config{
		Region:       "us-east-1",
		Credentials:  c.provider(),
		BaseEndpoint: aws.String(s.URL),
	})
}

// signRequest signs req, whose body is body, for service with the SDK's
// signer at the current time.
func signRequest(t testing.TB, req *http.Request, c creds, service string, body []byte) {
	t.Helper()
	sum := sha256.Sum256(body)
	err := v4.NewSigner().SignHTTP(context.Background(),
		aws.Credentials{AccessKeyID: c.id, SecretAccessKey: c.secret, SessionToken: c.token},
		req, hex.EncodeToString(sum[:]), service, "us-east-1", time.Now())
	if err != nil {
		t.Fatal(err)
	}
}
