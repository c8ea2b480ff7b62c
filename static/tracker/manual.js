/* option manual: no automatic pageviews; the site sends each one with plausible('pageview', {u}) */
var pmp=page;page=function(f){pM&&pmp(f)};
