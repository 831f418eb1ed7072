# The README's curl walk-through, verbatim from BASE= on: walkthrough_test.go
# runs this file with bash against a fresh origin, BASE pointing at it. It
# stops at the first step that fails, with curl's message (set -e and
# --fail-with-body): on a database that already holds ada@example.com, step 1
# fails with 409 Conflict (see "Starting over" in the README).
set -euo pipefail
BASE=http://127.0.0.1:3000

# 1. Create a user (201): {"id":1,"email":"ada@example.com","name":"Ada","created_at":"..."}
USER=$(curl -sS --fail-with-body -X POST $BASE/users -H 'Content-Type: application/json' \
  -d '{"email":"ada@example.com","password":"correct horse battery","name":"Ada"}')
echo "$USER"
ID=$(echo "$USER" | sed -E 's/.*"id":([0-9]+).*/\1/')

# 2. Authenticate (200): {"token":"eyJ...","token_type":"Bearer","expires_in":600,"refresh_token":"...","refresh_expires_in":1209600}
TOKEN=$(curl -sS --fail-with-body -X POST $BASE/authenticate -H 'Content-Type: application/json' \
  -d '{"email":"ada@example.com","password":"correct horse battery"}' \
  | sed -E 's/.*"token":"([^"]+)".*/\1/')

# 3. Create a todo: 201 Created, Location: /users/$ID/todos/1
curl -sSi --fail-with-body -X POST $BASE/users/$ID/todos -H "Authorization: Bearer $TOKEN" \
  -H 'Content-Type: application/json' -d '{"title":"Read the README"}'

# 4. List your todos: 200 {"todos":[...],"next":null}
curl -sSi --fail-with-body $BASE/users/$ID/todos -H "Authorization: Bearer $TOKEN"

# 5. Without a token: 401 with WWW-Authenticate: Bearer realm="..."
curl -si $BASE/users/$ID/todos
