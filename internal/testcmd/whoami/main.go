// Command whoami is a test program for `credproc exec`: it prints the
// account of the credentials the Go SDK's default chain finds (the
// environment, or the container endpoint credproc serves), via
// sts:GetCallerIdentity. With -fetch it instead asks the container
// endpoint directly, twice, and prints the two access key IDs.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

func main() {
	fetch := flag.Duration("fetch", 0, "fetch from $AWS_CONTAINER_CREDENTIALS_FULL_URI twice, this long apart")
	probe := flag.Bool("probe", false, "print the container endpoint's address and its HTTP status without a token, with a wrong one and with the right one")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if *probe {
		uri := os.Getenv("AWS_CONTAINER_CREDENTIALS_FULL_URI")
		req, _ := http.NewRequest(http.MethodGet, uri, nil)
		fmt.Println(req.URL.Host)
		for _, token := range []string{"", "wrong", os.Getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN")} {
			req, _ := http.NewRequest(http.MethodGet, uri, nil)
			if token != "" {
				req.Header.Set("Authorization", token)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				fmt.Fprintln(os.Stderr, "whoami:", err)
				os.Exit(1)
			}
			resp.Body.Close()
			fmt.Println(resp.StatusCode)
		}
		return
	}
	if *fetch > 0 {
		for i := range 2 {
			if i > 0 {
				time.Sleep(*fetch)
			}
			id, err := fetchKeyID(ctx)
			if err != nil {
				fmt.Fprintln(os.Stderr, "whoami:", err)
				os.Exit(1)
			}
			fmt.Println(id)
		}
		return
	}
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "whoami:", err)
		os.Exit(1)
	}
	out, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "whoami:", err)
		os.Exit(1)
	}
	fmt.Println(*out.Account)
}

func fetchKeyID(ctx context.Context) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, os.Getenv("AWS_CONTAINER_CREDENTIALS_FULL_URI"), nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", os.Getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var doc struct{ AccessKeyId, Expiration string }
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil || resp.StatusCode != 200 {
		return "", fmt.Errorf("status %d: %v", resp.StatusCode, err)
	}
	return doc.AccessKeyId + " " + doc.Expiration, nil
}
