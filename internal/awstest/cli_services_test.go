package awstest

import (
	"fmt"
	"os"
	"testing"
)

// TestAWSCLIServices proves that botocore speaks the emulator's IAM and
// Organizations: its signatures verify, it follows ListAccounts tokens
// and decodes IAM's URL-encoded policy documents.
func TestAWSCLIServices(t *testing.T) {
	if _, err := os.Stat(awsCLI); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is required in CI: %v", awsCLI, err)
		}
		t.Skipf("%s not installed", awsCLI)
	}
	t.Parallel() // the CLI starts slowly; let other tests run meanwhile
	s := newServer(t)
	s.CreateOrganization(acct)
	for i := range 44 {
		id := fmt.Sprintf("%012d", 400000000000+i)
		s.AddAccount(Account{ID: id, Name: "member " + id, Email: "aws+" + id + "@example.com"})
	}
	alice := userCreds(s, acct, "alice")

	var list struct {
		Accounts []struct{ Id, Name, Status string }
	}
	runCLI(t, s, alice, &list, "organizations", "list-accounts")
	if len(list.Accounts) != 45 || s.Succeeded("ListAccounts") != 3 {
		t.Errorf("list-accounts: %d accounts in %d calls", len(list.Accounts), s.Succeeded("ListAccounts"))
	}

	doc := trustDoc(acct, true)
	var role struct {
		Role struct {
			Arn                      string
			AssumeRolePolicyDocument map[string]any
		}
	}
	s.CreateRoleWithTrustPolicy(Role{Account: acct, Name: "cli"}, doc)
	runCLI(t, s, alice, &role, "iam", "get-role", "--role-name", "cli")
	if role.Role.Arn != "arn:aws:iam::111111111111:role/cli" || string(mustJSON(role.Role.AssumeRolePolicyDocument)) != string(mustJSON(decodeJSONMap(t, doc))) {
		t.Errorf("get-role: %+v", role.Role)
	}

}

func decodeJSONMap(t *testing.T, doc string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := decodeStrict(doc, &m); err != nil {
		t.Fatal(err)
	}
	return m
}
