/* option manual: no automatic pageviews; the site sends each one with plausible('pageview', {u}) (or
clearanalytics('pageview', {u}) on the clearanalytics. names). mU: the url of the pageview being sent, set only
while the site's own call runs; mR: what sending it returned, for its callback. */
var mP=page,mS=send,mT=track,mU,mR;
page=function(){};
send=function(b,x){mU&&b.name=='pageview'&&(b.url=mU);return mR=mS(b,x)};
track=function(name,o,y){if(name!='pageview')return mT(name,o,y);
o=o||{};mR=0;mU=o.u||o.url||l.href;mP(1);c.u=mU;mU=0;back(mR,o.callback)};
