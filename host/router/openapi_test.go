package router

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/hops-dev/hops/host/registry"
	"github.com/hops-dev/hops/sdk"
)

func TestOpenAPIDocumentIsValid(t *testing.T) {
	r, _, _ := newRouter(t)
	r.Registry().AddFamily("records", []sdk.Operation{{Name: "insert", Access: sdk.AccessPermissions, Summary: "insert records",
		InputSchema: `{"type":"object","properties":{"database":{"type":"string"},"records":{"type":"array","items":{"type":"object"}}},"required":["records"]}`}})
	r.Registry().AddFamily("export", []sdk.Operation{{Name: "export_local", Access: sdk.AccessSuperUser, Job: true}})
	raw, err := r.OpenAPI(OpenAPIInfo{Version: "1.2.3"})
	if err != nil {
		t.Fatal(err)
	}
	doc, err := openapi3.NewLoader().LoadFromData(raw)
	if err != nil {
		t.Fatalf("load: %v\n%s", err, raw)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("validate: %v\n%s", err, raw)
	}
	if doc.OpenAPI != OpenAPIVersion || doc.Info.Version != "1.2.3" {
		t.Fatalf("openapi %q version %q", doc.OpenAPI, doc.Info.Version)
	}
	body := doc.Paths.Find("/").Post.RequestBody.Value.Content.Get("application/json").Schema.Value
	public := 0
	for _, e := range r.Registry().All() {
		if e.Op.Access != sdk.AccessInternal {
			public++
		}
	}
	if len(body.OneOf) != public || body.Discriminator.PropertyName != "operation" {
		t.Fatalf("body schema: %d alternatives for %d client operations, discriminator %+v", len(body.OneOf), public, body.Discriminator)
	}
	var m struct {
		Components struct {
			Schemas map[string]map[string]any `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	ins := m.Components.Schemas["insert"]
	if ins["x-hops-access"] != "permissions" || ins["x-hops-family"] != "records" || ins["description"] != "insert records" {
		t.Fatalf("insert schema %v", ins)
	}
	if req := ins["required"].([]any); len(req) != 2 {
		t.Fatalf("insert keeps its required fields and adds operation: %v", req)
	}
	if props := ins["properties"].(map[string]any); props["operation"].(map[string]any)["const"] != "insert" || props["records"] == nil {
		t.Fatalf("insert properties %v", props)
	}
	if m.Components.Schemas["export_local"]["x-hops-job"] != true || m.Components.Schemas["whoami"]["x-hops-family"] != registry.HostFamily {
		t.Fatalf("schemas %v", m.Components.Schemas)
	}
}

func TestOpenAPISurvivesABadInputSchema(t *testing.T) {
	r, _, _ := newRouter(t)
	r.Registry().AddFamily("odd", []sdk.Operation{{Name: "odd_op", Access: sdk.AccessAuthenticated, InputSchema: `[1]`}})
	raw, err := r.OpenAPI(OpenAPIInfo{})
	if err != nil {
		t.Fatal(err)
	}
	doc, err := openapi3.NewLoader().LoadFromData(raw)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("document invalid: %v", err)
	}
	if s := doc.Components.Schemas["odd_op"].Value; s.Extensions["x-hops-input-schema-error"] == nil {
		t.Fatalf("odd_op schema %+v", s)
	}
}
