package awstest_test

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/credproc/credproc/internal/awstest"
	"github.com/credproc/credproc/internal/totp"
)

// An IAM user in a management account assumes an MFA-protected role in a
// member account with the real aws-sdk-go-v2 STS client.
func Example() {
	s := awstest.NewServer()
	defer s.Close()

	akid, secret := s.CreateUser("111111111111", "alice")
	serial, seed := s.EnableMFA("111111111111", "alice", "alice-phone")
	roleARN := s.CreateRole(awstest.Role{
		Account:         "222222222222",
		Name:            "OrganizationAccountAccessRole",
		TrustedAccounts: []string{"111111111111"},
		RequireMFA:      true,
		Actions:         []string{"*"},
	})

	client := sts.NewFromConfig(aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider(akid, secret, ""),
		BaseEndpoint: aws.String(s.URL),
	})
	code, _ := totp.Code(seed, time.Now())
	out, err := client.AssumeRole(context.Background(), &sts.AssumeRoleInput{
		RoleArn:         aws.String(roleARN),
		RoleSessionName: aws.String("alice"),
		SerialNumber:    aws.String(serial),
		TokenCode:       aws.String(code),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(aws.ToString(out.AssumedRoleUser.Arn))

	// The same code cannot be used twice.
	_, err = client.AssumeRole(context.Background(), &sts.AssumeRoleInput{
		RoleArn:         aws.String(roleARN),
		RoleSessionName: aws.String("alice"),
		SerialNumber:    aws.String(serial),
		TokenCode:       aws.String(code),
	})
	fmt.Println(err != nil, s.Calls("AssumeRole"), s.Succeeded("AssumeRole"))
	// Output:
	// arn:aws:sts::222222222222:assumed-role/OrganizationAccountAccessRole/alice
	// true 2 1
}
