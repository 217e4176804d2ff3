# entrypoint: app/allow
package app

allow if input.user == "admin"
