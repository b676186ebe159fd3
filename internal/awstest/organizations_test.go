package awstest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// orgsClient returns a real Organizations client signing with c.
func orgsClient(s *Server, c creds) *organizations.Client {
	return organizations.NewFromConfig(aws.Config{
		Region:       "us-east-1",
		Credentials:  c.provider(),
		BaseEndpoint: aws.String(s.URL),
	})
}

// listAllAccounts pages through ListAccounts with the SDK's paginator and
// returns the accounts and the number of pages.
func listAllAccounts(t testing.TB, c *organizations.Client, maxResults int32) (all []orgtypes.Account, pages int) {
	t.Helper()
	in := &organizations.ListAccountsInput{}
	if maxResults != 0 {
		in.MaxResults = aws.Int32(maxResults)
	}
	p := organizations.NewListAccountsPaginator(c, in)
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("ListAccounts after %d accounts: %v", len(all), err)
		}
		if limit := max(maxResults, 20); len(out.Accounts) > int(limit) {
			t.Fatalf("page of %d accounts, limit %d", len(out.Accounts), limit)
		}
		all = append(all, out.Accounts...)
		pages++
	}
	return all, pages
}

func TestListAccountsPagination(t *testing.T) {
	s := newServer(t)
	now := fixedClock(s)
	orgID := s.CreateOrganization(acct)
	alice := userCreds(s, acct, "alice")
	want := []string{acct}
	for i := range 999 {
		id := fmt.Sprintf("%012d", 500000000000+i)
		s.AddAccount(Account{ID: id, Name: "member " + id, Email: "aws+" + id + "@example.com"})
		want = append(want, id)
	}
	slices.Sort(want)
	c := orgsClient(s, alice)

	s.ResetCalls()
	all, pages := listAllAccounts(t, c, 0)
	// The SDK occasionally retries a request whose large response it
	// failed to read ("use of closed network connection"), so the server
	// may see a request more than the pages.
	if n := s.Succeeded("ListAccounts"); pages != 50 || n < 50 || n > 52 {
		t.Errorf("%d pages, %d ListAccounts calls with the default page size, want 50", pages, n)
	}
	var got []string
	for _, a := range all {
		got = append(got, aws.ToString(a.Id))
	}
	if !slices.Equal(got, want) {
		t.Fatalf("listed %d accounts, want %d (first %v)", len(got), len(want), got[:min(3, len(got))])
	}
	// Another page size lists the same.
	if all7, pages := listAllAccounts(t, c, 7); len(all7) != 1000 || pages != 143 || aws.ToString(all7[999].Id) != want[999] {
		t.Errorf("MaxResults 7 listed %d accounts in %d pages", len(all7), pages)
	}

	m := all[slices.Index(got, acct)]
	if aws.ToString(m.Arn) != "arn:aws:organizations::"+acct+":account/"+orgID+"/"+acct ||
		aws.ToString(m.Name) != "management" || m.JoinedMethod != orgtypes.AccountJoinedMethodInvited ||
		m.Status != orgtypes.AccountStatusActive || m.State != orgtypes.AccountStateActive {
		t.Errorf("management account %+v", m)
	}
	a := all[1]
	if aws.ToString(a.Name) != "member 500000000000" || aws.ToString(a.Email) != "aws+500000000000@example.com" ||
		a.JoinedMethod != orgtypes.AccountJoinedMethodCreated || !aws.ToTime(a.JoinedTimestamp).Equal(now) {
		t.Errorf("member account %+v (joined %v, want %v)", a, aws.ToTime(a.JoinedTimestamp), now)
	}
}

func TestListAccountsChanges(t *testing.T) {
	s := newServer(t)
	s.CreateOrganization(acct)
	alice := userCreds(s, acct, "alice")
	joined := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	s.AddAccount(Account{ID: acct2, Name: "two", Email: "two@example.com", Status: "SUSPENDED", JoinedMethod: "INVITED", Joined: joined})
	s.AddAccount(Account{ID: acct3, Name: "three", Email: "three@example.com"})
	c := orgsClient(s, alice)

	// A page boundary survives accounts leaving and joining.
	out, err := c.ListAccounts(ctx, &organizations.ListAccountsInput{MaxResults: aws.Int32(2)})
	if err != nil || len(out.Accounts) != 2 || out.NextToken == nil {
		t.Fatalf("first page: %v %v", out, err)
	}
	s.RemoveAccount(acct2)
	s.RenameAccount(acct3, "renamed")
	s.AddAccount(Account{ID: "999999999999", Name: "late", Email: "late@example.com"})
	out, err = c.ListAccounts(ctx, &organizations.ListAccountsInput{MaxResults: aws.Int32(2), NextToken: out.NextToken})
	if err != nil || len(out.Accounts) != 2 || out.NextToken != nil {
		t.Fatalf("second page: %v %v", out, err)
	}
	if aws.ToString(out.Accounts[0].Name) != "renamed" || aws.ToString(out.Accounts[1].Id) != "999999999999" {
		t.Errorf("second page %+v", out.Accounts)
	}

	d, err := c.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: aws.String(acct3)})
	if err != nil || aws.ToString(d.Account.Name) != "renamed" {
		t.Errorf("DescribeAccount: %v %v", d, err)
	}
	_, err = c.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: aws.String(acct2)})
	wantAPIError(t, err, 404, "AccountNotFoundException", "You specified an account that doesn't exist.")
	var nf *orgtypes.AccountNotFoundException
	if !errors.As(err, &nf) {
		t.Errorf("error type %T", err)
	}

	s.AddAccount(Account{ID: acct2, Name: "two", Email: "two@example.com", Status: "SUSPENDED", JoinedMethod: "INVITED", Joined: joined})
	d, err = c.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: aws.String(acct2)})
	if err != nil || d.Account.Status != orgtypes.AccountStatusSuspended || d.Account.State != orgtypes.AccountStateSuspended ||
		d.Account.JoinedMethod != orgtypes.AccountJoinedMethodInvited || !aws.ToTime(d.Account.JoinedTimestamp).Equal(joined) {
		t.Errorf("DescribeAccount: %+v %v", d.Account, err)
	}
}

func TestListAccountsErrors(t *testing.T) {
	s := newServer(t)
	alice := userCreds(s, acct, "alice")
	c := orgsClient(s, alice)
	_, err := c.ListAccounts(ctx, nil)
	wantAPIError(t, err, 404, "AWSOrganizationsNotInUseException", "Your account is not a member of an organization.")

	s.CreateOrganization(acct)
	s.AddAccount(Account{ID: acct2, Name: "two", Email: "two@example.com"})
	for _, n := range []int32{0, 21} {
		_, err = c.ListAccounts(ctx, &organizations.ListAccountsInput{MaxResults: aws.Int32(n)})
		wantAPIError(t, err, 400, "InvalidInputException", "numeric parameter")
	}
	for _, tok := range []string{"", "garbage", "AAAA.BBBB", s.seal("other", acct2)} {
		_, err = c.ListAccounts(ctx, &organizations.ListAccountsInput{NextToken: aws.String(tok)})
		wantAPIError(t, err, 400, "InvalidInputException", "You specified an invalid value for nextToken.")
		var ii *orgtypes.InvalidInputException
		if !errors.As(err, &ii) || ii.Reason != orgtypes.InvalidInputExceptionReasonInvalidPaginationToken {
			t.Errorf("token %q: %#v", tok, err)
		}
	}
	// Tokens of another server are not valid here.
	other := newServer(t)
	other.CreateOrganization(acct)
	other.AddAccount(Account{ID: acct2, Name: "two", Email: "two@example.com"})
	bob := userCreds(other, acct, "bob")
	page, err := orgsClient(other, bob).ListAccounts(ctx, &organizations.ListAccountsInput{MaxResults: aws.Int32(1)})
	if err != nil || page.NextToken == nil {
		t.Fatalf("other server: %v %v", page, err)
	}
	_, err = c.ListAccounts(ctx, &organizations.ListAccountsInput{NextToken: page.NextToken})
	wantAPIError(t, err, 400, "InvalidInputException", "nextToken")

	// Member accounts may describe the organization but not list it.
	carol := userCreds(s, acct2, "carol")
	_, err = orgsClient(s, carol).ListAccounts(ctx, nil)
	wantAPIError(t, err, 403, "AccessDeniedException", "You don't have permissions to access this resource.")
	var ad *orgtypes.AccessDeniedException
	if !errors.As(err, &ad) {
		t.Errorf("error type %T", err)
	}
	if _, err := orgsClient(s, carol).DescribeOrganization(ctx, nil); err != nil {
		t.Errorf("member DescribeOrganization: %v", err)
	}
	// Accounts outside the organization are not using Organizations.
	dave := userCreds(s, acct3, "dave")
	_, err = orgsClient(s, dave).DescribeOrganization(ctx, nil)
	wantAPIError(t, err, 404, "AWSOrganizationsNotInUseException", "not a member")

	// Users need organizations:ListAccounts.
	s.SetUserActions(acct, "alice", "organizations:Describe*")
	_, err = c.ListAccounts(ctx, nil)
	wantAPIError(t, err, 403, "AccessDeniedException", "You don't have permissions")
	if _, err := c.DescribeOrganization(ctx, nil); err != nil {
		t.Errorf("DescribeOrganization with organizations:Describe*: %v", err)
	}
	s.SetUserActions(acct, "alice", "organizations:List*")
	if _, err := c.ListAccounts(ctx, nil); err != nil {
		t.Errorf("ListAccounts with organizations:List*: %v", err)
	}
}

func TestOrganizationsCallers(t *testing.T) {
	s := newServer(t)
	orgID := s.CreateOrganization(acct)
	s.AddAccount(Account{ID: acct2, Name: "two", Email: "two@example.com"})
	alice := userCreds(s, acct, "alice")
	stsc := client(s, alice)

	// A GetSessionToken session of an admin user acts as the user.
	sess := sessionCreds(stsc, t)
	if accounts, _ := listAllAccounts(t, orgsClient(s, sess), 0); len(accounts) != 2 {
		t.Errorf("session listed %d accounts", len(accounts))
	}

	// Role sessions need the action among the role's.
	lister := s.CreateRole(Role{Account: acct, Name: "lister", TrustedAccounts: []string{acct}, Actions: []string{"organizations:List*"}})
	other := s.CreateRole(Role{Account: acct, Name: "other", TrustedAccounts: []string{acct}, Actions: []string{"sts:*"}})
	member := s.CreateRole(Role{Account: acct2, Name: "admin", TrustedAccounts: []string{acct}, Actions: []string{"*"}})
	lc, _ := assume(t, stsc, &sts.AssumeRoleInput{RoleArn: aws.String(lister)})
	if accounts, _ := listAllAccounts(t, orgsClient(s, lc), 1); len(accounts) != 2 {
		t.Errorf("role session listed %d accounts", len(accounts))
	}
	oc, _ := assume(t, stsc, &sts.AssumeRoleInput{RoleArn: aws.String(other)})
	_, err := orgsClient(s, oc).ListAccounts(ctx, nil)
	wantAPIError(t, err, 403, "AccessDeniedException", "You don't have permissions")
	mc, _ := assume(t, stsc, &sts.AssumeRoleInput{RoleArn: aws.String(member)})
	_, err = orgsClient(s, mc).ListAccounts(ctx, nil)
	wantAPIError(t, err, 403, "AccessDeniedException", "You don't have permissions")

	out, err := orgsClient(s, mc).DescribeOrganization(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	o := out.Organization
	if aws.ToString(o.Id) != orgID || aws.ToString(o.Arn) != "arn:aws:organizations::"+acct+":organization/"+orgID ||
		aws.ToString(o.MasterAccountId) != acct || aws.ToString(o.MasterAccountEmail) != "management@example.com" ||
		aws.ToString(o.MasterAccountArn) != "arn:aws:organizations::"+acct+":account/"+orgID+"/"+acct ||
		o.FeatureSet != orgtypes.OrganizationFeatureSetAll {
		t.Errorf("Organization %+v", o)
	}
	if !strings.HasPrefix(orgID, "o-") || len(orgID) != 12 || strings.ToLower(orgID) != orgID {
		t.Errorf("organization ID %q", orgID)
	}
}

func TestOrganizationsProtocol(t *testing.T) {
	s := newServer(t)
	s.CreateOrganization(acct)
	alice := userCreds(s, acct, "alice")

	// Authentication errors come in the JSON protocol's terms.
	wrong := "x" + alice.secret[1:]
	if wrong == alice.secret { // a random secret may start with x
		wrong = "y" + alice.secret[1:]
	}
	_, err := orgsClient(s, creds{id: alice.id, secret: wrong}).ListAccounts(ctx, nil)
	wantAPIError(t, err, 400, "InvalidSignatureException", "The request signature we calculated does not match")
	_, err = orgsClient(s, creds{id: "AKIAAAAAAAAAAAAAAAAA", secret: alice.secret}).ListAccounts(ctx, nil)
	wantAPIError(t, err, 400, "UnrecognizedClientException", "The security token included in the request is invalid.")

	post := func(target, contentType, body string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, s.URL+"/", strings.NewReader(body))
		req.Header.Set("X-Amz-Target", target)
		req.Header.Set("Content-Type", contentType)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if ct := resp.Header.Get("Content-Type"); ct != jsonContentType {
			t.Errorf("Content-Type %q", ct)
		}
		return resp.StatusCode, string(b)
	}
	status, body := post("AWSOrganizationsV20161128.ListAccounts", jsonContentType, "{}")
	if status != 400 || body != `{"__type":"com.amazon.coral.service#MissingAuthenticationTokenException","message":"Request is missing Authentication Token"}` {
		t.Errorf("unsigned: %d %s", status, body)
	}

	// A signed request with the wrong operation or body.
	sign := func(target, body string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, s.URL+"/", bytes.NewReader([]byte(body)))
		req.Header.Set("X-Amz-Target", target)
		req.Header.Set("Content-Type", jsonContentType)
		signRequest(t, req, alice, "organizations", []byte(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if status, body := sign("AWSOrganizationsV20161128.ListAccounts", `{"MaxResults":2}`); status != 200 || !strings.HasPrefix(body, `{"Accounts":[{"Arn":`) {
		t.Errorf("ListAccounts: %d %s", status, body)
	}
	if status, body := sign("AWSOrganizationsV20161128.NoSuchThing", `{}`); status != 400 || !strings.Contains(body, "UnknownOperationException") {
		t.Errorf("unknown operation: %d %s", status, body)
	}
	if status, body := sign("AWSOrganizationsV20161128.ListAccounts", `{"MaxResults":"x"}`); status != 400 || !strings.Contains(body, "SerializationException") {
		t.Errorf("bad member type: %d %s", status, body)
	}
	if status, body := sign("AWSOrganizationsV20161128.ListAccounts", `[1]`); status != 400 || !strings.Contains(body, "SerializationException") {
		t.Errorf("bad body: %d %s", status, body)
	}
	if status, body := sign("AWSOrganizationsV20161128.ListAccounts", `{"NextToken":"x"}`); status != 400 ||
		body != `{"__type":"InvalidInputException","Message":"You specified an invalid value for nextToken.","Reason":"INVALID_NEXT_TOKEN"}` {
		t.Errorf("bad token: %d %s", status, body)
	}
}
