PREFIX ex: <http://example.org/>
WITH <urn:fuzz:g>
DELETE { ?s ex:p ?o } INSERT { ?s ex:p2 ?o } WHERE { ?s ex:p ?o OPTIONAL { ?s ex:q ?q } FILTER(isLiteral(?o)) }
