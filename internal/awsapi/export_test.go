package awsapi

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Helpers only the tests use: the binary builds its clients with New and
// NewWithEndpoint and never asks a client where its calls go.

// Name is the service's SigV4 signing name ("iam", "organizations").
func (s *Service) Name() string { return s.name }

// NewFromConfig returns a client for svc on a configuration the caller
// resolved (its credentials, HTTP client, retryer and region).
func NewFromConfig(svc *Service, cfg aws.Config) *Client {
	c := &Client{svc: svc, region: cfg.Region}
	c.once.Do(func() {
		c.cfg = cfg
		c.endpoint = c.resolveEndpoint(context.Background())
	})
	return c
}

// Endpoint is where the client's calls go: the fixed endpoint, or the one
// its loaded configuration names, else the partition default.
func (c *Client) Endpoint() Endpoint {
	if c.fixed != nil {
		return *c.fixed
	}
	if c.endpoint.URL != "" {
		return c.endpoint
	}
	return c.svc.DefaultEndpoint(Partition(c.region))
}
