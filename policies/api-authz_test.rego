# Unit tests for api-authz.rego, run by test/policies/policies.test.ts (each test_ rule must be true).
# The inputs have the shape the middleware builds: verified claims in input.jwt.payload, the request in
# input.request.http.
package authz_test

request(method, path, claims) := {
	"jwt": {"payload": claims},
	"request": {"http": {"method": method, "path": path, "host": "orders.example.com"}},
}

alice := {"sub": "alice", "roles": ["admin"]}

bob := {"sub": "bob", "roles": ["reader"]}

carol := {"sub": "carol", "roles": []}

# ---- the classic example's rule: admins may POST

test_admin_may_create_an_order if {
	req := request("POST", "/orders", alice)
	data.authz.allow with input as req
}

test_admin_create_decision_explains_the_grant if {
	req := request("POST", "/orders", alice)
	decision := data.authz.decision with input as req
	decision == {
		"allowed": true,
		"internal_message": "subject alice with roles [admin] granted orders:write on POST /orders",
		"external_message": "authorized",
	}
}

test_reader_may_not_create_an_order if {
	req := request("POST", "/orders", bob)
	not data.authz.allow with input as req
}

test_reader_create_decision_tells_the_client_why if {
	req := request("POST", "/orders", bob)
	decision := data.authz.decision with input as req
	decision.allowed == false
	decision.external_message == "orders:write requires the admin role"
	decision.internal_message == "subject bob with roles [reader] denied orders:write on POST /orders"
}

test_admin_among_other_roles_may_create_an_order if {
	req := request("POST", "/orders", {"sub": "dave", "roles": ["reader", "admin", "auditor"]})
	data.authz.allow with input as req
}

# ---- reading one order

test_reader_may_read_an_order if {
	req := request("GET", "/orders/1", bob)
	data.authz.allow with input as req
}

test_admin_may_read_an_order if {
	req := request("GET", "/orders/1", alice)
	data.authz.allow with input as req
}

test_caller_without_roles_may_not_read if {
	req := request("GET", "/orders/1", carol)
	decision := data.authz.decision with input as req
	decision.allowed == false
	decision.external_message == "orders:read requires the reader or admin role"
	decision.internal_message == "subject carol with no roles denied orders:read on GET /orders/1"
}

test_query_string_does_not_change_the_route if {
	req := request("GET", "/orders/1?expand=items", bob)
	data.authz.allow with input as req
}

test_trailing_slash_is_the_same_route if {
	req := request("POST", "/orders/", alice)
	data.authz.allow with input as req
}

# ---- claims that must not grant anything

test_token_without_roles_claim_is_denied if {
	req := request("GET", "/orders/1", {"sub": "erin"})
	decision := data.authz.decision with input as req
	decision.allowed == false
	decision.internal_message == "subject erin with no roles denied orders:read on GET /orders/1"
}

test_roles_as_a_string_is_not_a_role_list if {
	req := request("POST", "/orders", {"sub": "mallory", "roles": "admin"})
	not data.authz.allow with input as req
}

test_non_string_roles_are_ignored if {
	req := request("POST", "/orders", {"sub": "mallory", "roles": [["admin"], {"admin": true}]})
	not data.authz.allow with input as req
}

test_role_names_are_case_sensitive if {
	req := request("POST", "/orders", {"sub": "mallory", "roles": ["Admin"]})
	not data.authz.allow with input as req
}

test_anonymous_caller_is_named_in_the_log_message if {
	req := request("GET", "/orders/1", {"roles": ["reader"]})
	decision := data.authz.decision with input as req
	decision.internal_message == "an anonymous caller with roles [reader] granted orders:read on GET /orders/1"
}

# ---- requests the policy does not cover: denied

test_uncovered_method_is_denied if {
	req := request("DELETE", "/orders/1", alice)
	decision := data.authz.decision with input as req
	decision.allowed == false
	decision.external_message == "this endpoint is not covered by the API policy"
	decision.internal_message == "subject alice with roles [admin]: no rule covers DELETE /orders/1"
}

test_listing_all_orders_is_not_covered if {
	req := request("GET", "/orders", alice)
	not data.authz.allow with input as req
}

test_deeper_paths_are_not_covered if {
	req := request("GET", "/orders/1/items", alice)
	not data.authz.allow with input as req
}

test_other_resources_are_not_covered if {
	req := request("POST", "/users", alice)
	not data.authz.allow with input as req
}

# ---- an input that is not an HTTP request: fail closed with a reason

test_input_without_http_request_fails_closed if {
	decision := data.authz.decision with input as {"jwt": {"payload": alice}}
	decision == {
		"allowed": false,
		"internal_message": "the input has no input.request.http method and path",
		"external_message": "unauthorized",
	}
}

test_no_input_at_all_is_denied if {
	not data.authz.allow
	data.authz.decision.allowed == false
}
