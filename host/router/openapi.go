package router

import (
	"encoding/json"
	"fmt"

	"github.com/hops-dev/hops/host/registry"
	"github.com/hops-dev/hops/sdk"
)

// OpenAPIInfo is the document's info object.
type OpenAPIInfo struct {
	// Title names the API (default "hops operations API").
	Title string
	// Version is the hops version (default "unknown").
	Version string
}

// OpenAPIVersion is the OpenAPI version of the generated document.
const OpenAPIVersion = "3.1.0"

// OpenAPI describes the operations API as an OpenAPI 3.1 document, built
// from the registered operations (the host's own and every family's):
// POST / takes a body that is one of the operations' input schemas, told
// apart by its "operation" property (a discriminator); each operation's
// schema carries its summary, its access level (x-hops-access), who
// serves it (x-hops-family) and whether it starts a job (x-hops-job). An
// operation that declares no input schema gets an object with its
// "operation" and any other properties, as does one whose schema is not a
// JSON object (with x-hops-input-schema-error saying so). GET /health, /ready, /metrics and
// /openapi.json are listed too. Internal operations (sdk.AccessInternal)
// are not listed.
func (r *Router) OpenAPI(info OpenAPIInfo) ([]byte, error) {
	if info.Title == "" {
		info.Title = "hops operations API"
	}
	if info.Version == "" {
		info.Version = "unknown" // OpenAPI requires one
	}
	entries := r.reg.All()
	schemas := map[string]any{
		"Error": map[string]any{
			"type":       "object",
			"properties": map[string]any{"error": map[string]any{"type": "string"}},
			"required":   []string{"error"},
		},
	}
	oneOf := make([]any, 0, len(entries))
	mapping := map[string]string{}
	for _, e := range entries {
		if e.Op.Access == sdk.AccessInternal {
			continue // no client can call it
		}
		s := inputSchema(e)
		name := schemaName(e.Op.Name)
		schemas[name] = s
		ref := "#/components/schemas/" + name
		oneOf = append(oneOf, map[string]any{"$ref": ref})
		mapping[e.Op.Name] = ref
	}
	errorResponse := func(desc string) map[string]any {
		return map[string]any{"description": desc, "content": map[string]any{
			"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Error"}}}}
	}
	doc := map[string]any{
		"openapi": OpenAPIVersion,
		"info":    map[string]any{"title": info.Title, "version": info.Version},
		"paths": map[string]any{
			"/": map[string]any{"post": map[string]any{
				"operationId": "operation",
				"summary":     "Run the operation the body names",
				"security":    []any{map[string]any{"basic": []any{}}, map[string]any{"bearer": []any{}}},
				"requestBody": map[string]any{"required": true, "content": map[string]any{
					"application/json": map[string]any{"schema": map[string]any{
						"oneOf":         oneOf,
						"discriminator": map[string]any{"propertyName": "operation", "mapping": mapping},
					}}}},
				"responses": map[string]any{
					"200": map[string]any{"description": "The operation's answer (JSON, or CSV for some exports)"},
					"400": errorResponse("Bad input, or an unknown operation"),
					"401": errorResponse("No, unknown or wrong credentials"),
					"403": errorResponse("The operation is not allowed to this caller"),
					"503": errorResponse("The operation's family is restarting"),
				},
			}},
			"/health": map[string]any{"get": plainGet("health", "The process answers")},
			"/ready":  map[string]any{"get": plainGet("ready", "200 when every configured family serves; 503 naming those that do not")},
			"/metrics": map[string]any{"get": map[string]any{
				"operationId": "metrics", "summary": "Prometheus metrics (super users only)",
				"security":  []any{map[string]any{"basic": []any{}}, map[string]any{"bearer": []any{}}},
				"responses": map[string]any{"200": map[string]any{"description": "Prometheus text format"}, "401": errorResponse("No credentials"), "403": errorResponse("Not a super user")},
			}},
			"/openapi.json": map[string]any{"get": plainGet("openapi", "This document")},
		},
		"components": map[string]any{
			"schemas": schemas,
			"securitySchemes": map[string]any{
				"basic":  map[string]any{"type": "http", "scheme": "basic"},
				"bearer": map[string]any{"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
			},
		},
	}
	return json.MarshalIndent(doc, "", "  ")
}

func plainGet(id, summary string) map[string]any {
	return map[string]any{"operationId": id, "summary": summary,
		"responses": map[string]any{"200": map[string]any{"description": summary}}}
}

// schemaName is the component name of an operation's input schema
// (operation names are already [A-Za-z0-9_]; anything else becomes _).
func schemaName(op string) string {
	b := []byte(op)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			b[i] = '_'
		}
	}
	return string(b)
}

// inputSchema is an operation's JSON Schema with its "operation" property
// pinned to its name and the hops extensions added.
func inputSchema(e registry.Entry) map[string]any {
	s := map[string]any{}
	if e.Op.InputSchema != "" {
		if err := json.Unmarshal([]byte(e.Op.InputSchema), &s); err != nil || s == nil {
			// One family's bad schema must not take the whole document
			// down: its operation is described without it.
			s = map[string]any{"x-hops-input-schema-error": fmt.Sprintf("the family's input schema is not a JSON object: %v", err)}
		}
	}
	s["type"] = "object"
	props, _ := s["properties"].(map[string]any)
	if props == nil {
		props = map[string]any{}
	}
	props["operation"] = map[string]any{"type": "string", "const": e.Op.Name}
	s["properties"] = props
	req, _ := s["required"].([]any)
	hasOp := false
	for _, r := range req {
		if r == "operation" {
			hasOp = true
		}
	}
	if !hasOp {
		req = append(req, "operation")
	}
	s["required"] = req
	if e.Op.Summary != "" {
		s["description"] = e.Op.Summary
	}
	s["title"] = e.Op.Name
	s["x-hops-access"] = e.Op.Access.String()
	s["x-hops-family"] = e.Family
	if e.Op.Job {
		s["x-hops-job"] = true
	}
	return s
}
