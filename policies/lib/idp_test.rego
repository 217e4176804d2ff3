package lib.idp_test

import data.lib.idp

# Claims as each provider lays them out (trimmed to what the helpers read).
auth0 := {
	"iss": "https://tenant.auth0.com/",
	"scope": "openid read:orders write:orders",
	"permissions": ["read:orders", "write:orders"],
	"https://example.com/roles": ["admin", "reader"],
	"https://example.com/email": "alice@example.com",
}

keycloak := {
	"iss": "https://sso.example.com/realms/demo",
	"scope": "openid profile email",
	"realm_access": {"roles": ["offline_access", "reader"]},
	"resource_access": {
		"orders-api": {"roles": ["orders-admin"]},
		"account": {"roles": ["manage-account"]},
	},
}

okta := {
	"iss": "https://example.okta.com/oauth2/default",
	"scp": ["openid", "orders.read"],
	"groups": ["Everyone", "Admins"],
}

entra := {
	"iss": "https://login.microsoftonline.com/tenant-id/v2.0",
	"scp": "Orders.Read Orders.Write",
	"roles": ["Orders.Admin"],
	"groups": ["0b4c2f6e-aaaa-bbbb-cccc-000000000001"],
}

cognito := {
	"iss": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Example",
	"client_id": "abc123",
	"token_use": "access",
	"scope": "orders/read aws.cognito.signin.user.admin",
	"cognito:groups": ["admins"],
}

google := {"iss": "https://accounts.google.com", "email": "alice@example.com", "hd": "example.com"}

test_auth0 if {
	idp.scopes(auth0) == {"openid", "read:orders", "write:orders"}
	idp.roles(auth0) == {"admin", "reader"}
	idp.permissions(auth0) == {"read:orders", "write:orders"}
	idp.groups(auth0) == set()
}

test_keycloak_realm_roles_are_roles_client_roles_are_per_client if {
	idp.roles(keycloak) == {"offline_access", "reader"}
	idp.client_roles(keycloak, "orders-api") == {"orders-admin"}
	idp.client_roles(keycloak, "account") == {"manage-account"}
	idp.client_roles(keycloak, "other") == set()
	not idp.has_role(keycloak, "orders-admin")
	idp.scopes(keycloak) == {"openid", "profile", "email"}
}

test_okta_scp_array_and_groups if {
	idp.scopes(okta) == {"openid", "orders.read"}
	idp.groups(okta) == {"Everyone", "Admins"}
	idp.roles(okta) == set()
}

test_entra_scp_string_and_app_roles if {
	idp.scopes(entra) == {"Orders.Read", "Orders.Write"}
	idp.roles(entra) == {"Orders.Admin"}
	idp.has_scope(entra, "Orders.Write")
	idp.has_role(entra, "Orders.Admin")
	not idp.has_scope(entra, "Orders")
}

test_cognito_groups_are_roles_and_groups if {
	idp.roles(cognito) == {"admins"}
	idp.groups(cognito) == {"admins"}
	idp.scopes(cognito) == {"orders/read", "aws.cognito.signin.user.admin"}
}

test_google_id_token_has_none if {
	idp.scopes(google) == set()
	idp.roles(google) == set()
	idp.groups(google) == set()
	not idp.has_scope(google, "openid")
}

test_scope_and_scp_are_merged if {
	idp.scopes({"scope": "a b", "scp": ["c"]}) == {"a", "b", "c"}
}

test_scope_as_array if {
	idp.scopes({"scope": ["a", "b"]}) == {"a", "b"}
}

test_extra_spaces_make_no_empty_scope if {
	idp.scopes({"scope": "  a   b "}) == {"a", "b"}
}

test_a_lone_string_role_is_one_role if {
	idp.roles({"roles": "admin"}) == {"admin"}
	idp.roles({"roles": "admin reader"}) == {"admin reader"}
}

test_malformed_claims_give_nothing if {
	idp.scopes({"scope": 42, "scp": {"a": true}}) == set()
	idp.roles({"roles": [1, true, null, {"x": "admin"}], "realm_access": "admin", "cognito:groups": {"admin": 1}}) == set()
	idp.client_roles({"resource_access": {"api": {"roles": "x"}}}, "api") == {"x"}
	idp.client_roles({"resource_access": ["api"]}, "api") == set()
}

test_non_string_elements_are_ignored if {
	idp.roles({"roles": ["admin", 7, ["nested"]]}) == {"admin"}
}

test_only_url_namespaced_claims_count if {
	idp.roles({"custom/roles": ["x"], "http://example.com/roles": ["y"], "https://example.com/app/roles": ["z"], "https://example.com/rolesx": ["w"]}) == {"y", "z"}
	idp.permissions({"https://example.com/permissions": "orders:write"}) == {"orders:write"}
}
