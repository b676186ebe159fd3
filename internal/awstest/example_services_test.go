package awstest_test

import (
	"context"
	"fmt"
	"net/url"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"

	"github.com/credproc/credproc/internal/awstest"
)

// The management account's admin lists the organization's accounts with
// the real Organizations client, and a member account's admin creates a
// role trusting the management account through IAM.
func Example_organizations() {
	s := awstest.NewServer()
	defer s.Close()
	s.CreateOrganization("111111111111")
	s.AddAccount(awstest.Account{ID: "222222222222", Name: "prod", Email: "prod@example.com"})

	cfg := func(akid, secret string) aws.Config {
		return aws.Config{
			Region:       "us-east-1",
			Credentials:  credentials.NewStaticCredentialsProvider(akid, secret, ""),
			BaseEndpoint: aws.String(s.URL),
		}
	}
	orgs := organizations.NewFromConfig(cfg(s.CreateUser("111111111111", "alice")))
	p := organizations.NewListAccountsPaginator(orgs, &organizations.ListAccountsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			fmt.Println(err)
			return
		}
		for _, a := range page.Accounts {
			fmt.Println(aws.ToString(a.Id), aws.ToString(a.Name), a.Status)
		}
	}

	admin := iam.NewFromConfig(cfg(s.CreateUser("222222222222", "bob")))
	_, err := admin.CreateRole(context.Background(), &iam.CreateRoleInput{
		RoleName: aws.String("OrganizationAccountAccessRole"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow",` +
			`"Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole"}]}`),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	out, err := admin.GetRole(context.Background(), &iam.GetRoleInput{RoleName: aws.String("OrganizationAccountAccessRole")})
	if err != nil {
		fmt.Println(err)
		return
	}
	// IAM returns policy documents URL-encoded.
	doc, _ := url.QueryUnescape(aws.ToString(out.Role.AssumeRolePolicyDocument))
	trust, _ := awstest.ParseTrustPolicy(doc)
	fmt.Println(aws.ToString(out.Role.Arn), trust.Statements[0].Principals)
	// Output:
	// 111111111111 management ACTIVE
	// 222222222222 prod ACTIVE
	// arn:aws:iam::222222222222:role/OrganizationAccountAccessRole [arn:aws:iam::111111111111:root]
}
