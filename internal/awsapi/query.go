package awsapi

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// Query calls action of a query protocol service (IAM): params, with Action
// and Version added, as a form-encoded POST. The <ActionResult> element of
// the reply is decoded into out with encoding/xml, so out's field paths
// start inside it (`xml:"Role>Arn"` for GetRole); a nil out ignores the
// result. List parameters are numbered as the protocol wants them:
// "Tags.member.1.Key". params is not modified.
func (c *Client) Query(ctx context.Context, action string, params url.Values, out any) error {
	if c.svc.version == "" {
		return fmt.Errorf("awsapi: %s does not speak the query protocol", c.svc.name)
	}
	form := make(url.Values, len(params)+2)
	for k, v := range params {
		form[k] = v
	}
	form.Set("Action", action)
	form.Set("Version", c.svc.version)
	h := http.Header{"Content-Type": {"application/x-www-form-urlencoded; charset=utf-8"}}
	data, err := c.send(ctx, action, h, []byte(form.Encode()), parseQueryError)
	if err != nil {
		return err
	}
	if out == nil {
		return nil
	}
	if err := decodeQueryResult(data, action, out); err != nil {
		return fmt.Errorf("%s %s: unreadable reply: %w", c.svc.name, action, err)
	}
	return nil
}

// decodeQueryResult decodes the <ActionResult> child of the reply's root
// element, <ActionResponse>, into out. A reply without one leaves out as
// it is: actions that return nothing send only ResponseMetadata.
func decodeQueryResult(data []byte, action string, out any) error {
	d := xml.NewDecoder(bytes.NewReader(data))
	root := false
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			if !root {
				return fmt.Errorf("no <%sResponse> element", action)
			}
			return nil
		}
		if err != nil {
			return err
		}
		t, ok := tok.(xml.StartElement)
		switch {
		case !ok:
		case !root:
			if t.Name.Local != action+"Response" {
				return fmt.Errorf("no <%sResponse> element", action)
			}
			root = true
		case t.Name.Local == action+"Result":
			return d.DecodeElement(out, &t)
		default:
			if err := d.Skip(); err != nil {
				return err
			}
		}
	}
}
