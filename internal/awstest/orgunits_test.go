package awstest

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
)

// TestOrgTree: the real SDK client walks the emulated tree: ListRoots,
// ListOrganizationalUnitsForParent, ListAccountsForParent and ListChildren
// with the SDK's paginators; accounts move; an unknown parent is
// ParentNotFoundException.
func TestOrgTree(t *testing.T) {
	s := newServer(t)
	s.CreateOrganization(acct)
	c := orgsClient(s, userCreds(s, acct, "alice"))
	root := s.Root()
	roots, err := c.ListRoots(ctx, &organizations.ListRootsInput{})
	if err != nil || len(roots.Roots) != 1 || aws.ToString(roots.Roots[0].Id) != root {
		t.Fatalf("ListRoots = %v, %v; want %s", roots, err, root)
	}
	ou := s.CreateOU(root, "Sandbox")
	var ids []string
	for i := range 45 {
		id := fmt.Sprintf("%012d", 600000000000+i)
		s.AddAccount(Account{ID: id, Name: "m" + id, Email: "aws+" + id + "@example.com"})
		s.MoveAccount(id, ou)
		ids = append(ids, id)
	}
	var subs []string
	for i := range 25 {
		subs = append(subs, s.CreateOU(ou, fmt.Sprintf("sub %d", i)))
	}
	deep := subs[3]
	s.MoveAccount(ids[0], deep)

	var got []string
	p := organizations.NewListAccountsForParentPaginator(c, &organizations.ListAccountsForParentInput{ParentId: aws.String(ou)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range out.Accounts {
			got = append(got, aws.ToString(a.Id))
		}
	}
	if !slices.Equal(got, ids[1:]) {
		t.Errorf("ListAccountsForParent(%s) = %d accounts, want %d", ou, len(got), len(ids)-1)
	}
	var gotOUs []string
	po := organizations.NewListOrganizationalUnitsForParentPaginator(c, &organizations.ListOrganizationalUnitsForParentInput{ParentId: aws.String(ou)})
	for po.HasMorePages() {
		out, err := po.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range out.OrganizationalUnits {
			gotOUs = append(gotOUs, aws.ToString(u.Id))
		}
	}
	slices.Sort(subs)
	if !slices.Equal(gotOUs, subs) {
		t.Errorf("ListOrganizationalUnitsForParent = %v, want %v", gotOUs, subs)
	}
	ch, err := c.ListChildren(ctx, &organizations.ListChildrenInput{ParentId: aws.String(deep), ChildType: orgtypes.ChildTypeAccount})
	if err != nil || len(ch.Children) != 1 || aws.ToString(ch.Children[0].Id) != ids[0] {
		t.Errorf("ListChildren = %v, %v", ch, err)
	}
	_, err = c.ListAccountsForParent(ctx, &organizations.ListAccountsForParentInput{ParentId: aws.String("ou-zzzz-zzzzzzzz")})
	var nf *orgtypes.ParentNotFoundException
	if !errors.As(err, &nf) {
		t.Errorf("unknown parent: %v, want ParentNotFoundException", err)
	}
	// A removed account leaves its OU.
	s.RemoveAccount(ids[1])
	out, err := c.ListAccountsForParent(ctx, &organizations.ListAccountsForParentInput{ParentId: aws.String(ou), MaxResults: aws.Int32(20)})
	if err != nil || aws.ToString(out.Accounts[0].Id) != ids[2] {
		t.Errorf("after RemoveAccount: %v, %v", out, err)
	}
}
