package awsapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
)

// JSON calls operation of a JSON 1.1 protocol service (Organizations,
// "ListAccounts"): in marshalled with encoding/json as the body (nil sends
// {}), the reply decoded into out (nil ignores it). Members are named as in
// the API ("NextToken"), so in and out need json tags only where Go names
// differ.
func (c *Client) JSON(ctx context.Context, operation string, in, out any) error {
	if c.svc.targetPfx == "" {
		return fmt.Errorf("awsapi: %s does not speak the JSON protocol", c.svc.name)
	}
	body := []byte("{}")
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return fmt.Errorf("%s %s: %w", c.svc.name, operation, err)
		}
	}
	h := http.Header{
		"Content-Type": {"application/x-amz-json-1.1"},
		"X-Amz-Target": {c.svc.targetPfx + "." + operation},
	}
	data, err := c.send(ctx, operation, h, body, parseJSONError)
	if err != nil {
		return err
	}
	if out == nil {
		return nil
	}
	if len(bytes.TrimSpace(data)) == 0 {
		data = []byte("{}") // an operation without output may send nothing
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s %s: unreadable reply: %w", c.svc.name, operation, err)
	}
	return nil
}
