/* option 404: a page marked <meta name="clearanalytics" content="404"> sends "404" with its url after its
pageview; clearanalytics('404') without props, called from a site's own 404 template, gets the same prop */
var nfT=track,nfS=start;
track=function(name,o,y){if(name=='404'){o=o||{};o.props=o.props||{url:l.href}}return nfT(name,o,y)};
start=function(){var g=go;nfS();!g&&go&&d.querySelector('meta[name=clearanalytics][content="404"]')&&track('404')};
