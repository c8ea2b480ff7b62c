/* option file-downloads: a link to a file of a listed type is "File Download" with its url (asked before
outbound-links: a file on another host is a download). data-downloads="pdf,zip" (or Plausible's file-types)
replaces the default list, add-file-types extends it. */
var dlT=(A('data-downloads')||A('file-types')||'pdf,xlsx,docx,txt,rtf,csv,exe,key,pps,ppt,pptx,7z,pkg,rar,gz,zip,avi,mov,mp4,mpeg,wmv,midi,mp3,wav,wma,dmg')
.split(',').concat((A('add-file-types')||'').split(',')).map(function(t){return t.trim().toLowerCase()});
lkF.unshift(function(a){var e=a.pathname.split('.');
if(e.length>1&&(e=e.pop().toLowerCase())&&dlT.indexOf(e)>=0)return track('File Download',{props:{url:a.href}}),1});
