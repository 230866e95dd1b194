curl -s -u calvin:hobbes-the-tiger localhost:5000/users -d login=hobbes -d password=calvin-the-boy -w '%{http_code}\n'
curl -s -u hobbes:calvin-the-boy localhost:5000/users -d login=susie -d password=derkins-123 -w ' %{http_code}\n'
curl -s -u calvin:hobbes-the-tiger localhost:5000/stuff -d stuff=Apple
curl -s -u hobbes:calvin-the-boy localhost:5000/stuff -d stuff=Tiger
curl -s -u hobbes:calvin-the-boy -X PATCH localhost:5000/stuff/1 -d stuff=Pear -w ' %{http_code}\n'
curl -s -u calvin:hobbes-the-tiger -X PATCH localhost:5000/stuff/1 -d stuff=Pear -w '%{http_code}\n'
curl -s -u hobbes:calvin-the-boy -X PATCH localhost:5000/stuff/42 -d stuff=Pear -w ' %{http_code}\n'
curl -s -u hobbes:calvin-the-boy -X DELETE localhost:5000/stuff/2 -w ' %{http_code}\n'
curl -s -u calvin:hobbes-the-tiger -X DELETE localhost:5000/stuff/2 -w '%{http_code}\n'
