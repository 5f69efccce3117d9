CREATE SILENT GRAPH <urn:fuzz:h> ;
COPY <urn:fuzz:g> TO <urn:fuzz:h> ;
ADD SILENT <urn:fuzz:h> TO <urn:fuzz:k> ;
MOVE <urn:fuzz:k> TO <urn:fuzz:m> ;
CLEAR SILENT GRAPH <urn:fuzz:h> ;
DROP SILENT GRAPH <urn:fuzz:m>
